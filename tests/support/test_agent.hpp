// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/mqtt/session.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/topics.hpp"
#include "tests/support/logs_mailbox.hpp"

namespace peranda::test {

struct upload_options {
  bool shuffle_and_duplicate = false;
  bool end_twice = false;
  bool wrong_sha256 = false;
  bool stall = false;  // begin and one chunk, then silence
};

// A test-side agent for the master's integration tests: a real MQTT
// session that sends heartbeats, answers logs requests and uploads files
// under the protocol's flow control, with switches for misbehaviour
// (shuffled and duplicated chunks, `end` twice, a wrong sha256). It deletes
// a file from its "spool" only after `complete`. A test that uploads by
// hand first opens a pull announcing its files (open_pull): the master
// accepts uploads only for those. Thread-safe.
class test_agent {
 public:
  test_agent(std::string broker_url, std::string node, std::string ip, std::uint64_t session = 1);
  // With session options of one's own (user name, password, TLS).
  test_agent(mqtt_session::options o, std::string node, std::string ip, std::uint64_t session = 1);
  ~test_agent();

  const std::string& node() const { return node_; }
  const protocol::topic_scheme& topics() const { return topics_; }
  // Acks received so far, of every transfer.
  std::size_t acks_seen() const { return mailbox_.acks_seen(); }
  std::size_t requests_seen() const { return mailbox_.requests_seen(); }

  mqtt_session::message heartbeat_message(protocol::node_state state, std::uint64_t session) const;
  void heartbeat(protocol::node_state state = protocol::node_state::online);
  void publish(mqtt_session::message m);

  // A critical "oom" alarm of this node from source "kern".
  protocol::alarm alarm(const std::string& id, std::string line) const;
  void send_alarm(const protocol::alarm& a, bool retained = false);

  void add_file(const std::string& name, std::string bytes);
  bool has_file(const std::string& name) const;

  // Answers every request of `master_id` from now on by uploading the spool.
  void serve(std::string master_id, upload_options opts = {});
  // Accepts request `request_id` (one serve() is not answering) announcing
  // `files`; requests before it (a node's first pull is due when it joins)
  // are accepted with no files. nullopt if it does not come within `timeout`.
  std::optional<protocol::logs_request> accept_request(const std::string& request_id,
                                                       const std::vector<std::string>& files,
                                                       std::chrono::milliseconds timeout);

  protocol::upload_begin manifest(const std::string& file, const std::string& bytes,
                                  const std::string& transfer, const std::string& request,
                                  const std::string& master_id, std::uint32_t chunk_size) const;
  void send_begin(const protocol::upload_begin& m);
  void send_chunk(const protocol::upload_begin& m, const std::string& bytes, std::uint32_t i);
  void send_end(const protocol::upload_begin& m);

  // The first ack of `transfer` (not seen by an earlier call) that `pred`
  // accepts; earlier ones are skipped. nullopt after `timeout`.
  std::optional<protocol::logs_ack> wait_ack(
      const std::string& transfer, const std::function<bool(const protocol::logs_ack&)>& pred,
      std::chrono::milliseconds timeout) {
    return mailbox_.wait_ack(transfer, pred, timeout);
  }
  std::optional<protocol::logs_ack> wait_final(const std::string& transfer,
                                               std::chrono::milliseconds timeout) {
    return wait_ack(transfer, is_final, timeout);
  }
  static bool is_final(const protocol::logs_ack& a) {
    return a.status == protocol::ack_status::complete || a.status == protocol::ack_status::rejected;
  }

 private:
  void accept(const protocol::logs_request& req, const std::vector<std::string>& files);
  void answer(const protocol::logs_request& req, const upload_options& opts);
  void upload(const protocol::logs_request& req, const std::string& name, const std::string& bytes,
              const upload_options& opts);
  void settle(const std::string& name, const std::optional<protocol::logs_ack>& ack);

  const protocol::topic_scheme topics_;
  const std::string node_;
  const std::string ip_;
  const std::uint64_t session_id_;
  mutable std::uint64_t seq_ = 0;
  logs_mailbox mailbox_;
  std::unique_ptr<mqtt_session::session> session_;

  mutable std::mutex mu_;
  std::map<std::string, std::string> spool_;
  unsigned transfers_ = 0;

  std::jthread server_;
};

}  // namespace peranda::test
