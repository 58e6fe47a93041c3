// SPDX-License-Identifier: Apache-2.0
// A test-side agent for the master's integration tests: a real MQTT
// session that sends heartbeats, answers logs requests and uploads files
// under the protocol's flow control, with switches for misbehaviour
// (shuffled and duplicated chunks, `end` twice, a wrong sha256). It deletes
// a file from its "spool" only after `complete`. A test that uploads by
// hand first opens a pull announcing its files (open_pull): the master
// accepts uploads only for those.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "core/fs/sha256.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/clock.hpp"
#include "tests/integration/master_fixture.hpp"

namespace peranda::test {

struct upload_options {
  bool shuffle_and_duplicate = false;
  bool end_twice = false;
  bool wrong_sha256 = false;
  bool stall = false;  // begin and one chunk, then silence
};

class test_agent {
 public:
  test_agent(std::string broker_url, std::string node, std::string ip, std::uint64_t session = 1)
      : test_agent(plain(std::move(broker_url), node), node, std::move(ip), session) {}
  // With session options of one's own (user name, password, TLS).
  test_agent(mqtt_session::options o, std::string node, std::string ip, std::uint64_t session = 1)
      : node_(std::move(node)), ip_(std::move(ip)), session_id_(session) {
    o.will = heartbeat_message(protocol::node_state::lost, session_id_);
    seq_ = 0;  // heartbeats count from 1
    session_ = std::make_unique<mqtt_session::session>(std::move(o));
    session_->subscribe(topics_.logs_request(node_), 1);
    session_->subscribe(topics_.logs_ack(node_), 1);
    if (!session_->start() || !session_->wait_connected(std::chrono::seconds(30))) {
      throw std::runtime_error("test agent '" + node_ + "' cannot connect");
    }
    reader_ = std::jthread([this](std::stop_token stop) { read(stop); });
  }
  ~test_agent() {
    server_ = {};
    reader_ = {};
    session_->stop();
  }

  const std::string& node() const { return node_; }
  // Acks received so far, of every transfer.
  std::size_t acks_seen() const {
    std::lock_guard lock(mu_);
    return acks_seen_;
  }
  const protocol::topic_scheme& topics() const { return topics_; }

  mqtt_session::message heartbeat_message(protocol::node_state state, std::uint64_t session) const {
    protocol::heartbeat hb;
    hb.node = node_;
    hb.machine_id = "machine-" + node_;
    hb.ip = ip_;
    hb.hostname = node_ + ".test";
    hb.state = state;
    hb.session = session;
    hb.seq = ++seq_;
    hb.agent_version = "test";
    hb.ts_ms = wall_clock_ms();
    return {topics_.heartbeat(node_), protocol::encode(hb), 1, true};
  }
  void heartbeat(protocol::node_state state = protocol::node_state::online) {
    publish(heartbeat_message(state, session_id_));
  }
  void publish(mqtt_session::message m) {
    if (!session_->publish(std::move(m))) throw std::runtime_error("publish failed");
  }

  // A critical "oom" alarm of this node from source "kern".
  protocol::alarm alarm(const std::string& id, std::string line) const {
    protocol::alarm a;
    a.id = id;
    a.node = node_;
    a.rule = "oom";
    a.level = protocol::severity::critical;
    a.source = "kern";
    a.line = std::move(line);
    a.ts_ms = wall_clock_ms();
    return a;
  }
  void send_alarm(const protocol::alarm& a, bool retained = false) {
    publish({topics_.alarm(node_), protocol::encode(a), 1, retained});
  }

  void add_file(const std::string& name, std::string bytes) {
    std::lock_guard lock(mu_);
    spool_[name] = std::move(bytes);
  }
  bool has_file(const std::string& name) const {
    std::lock_guard lock(mu_);
    return spool_.contains(name);
  }
  std::size_t requests_seen() const {
    std::lock_guard lock(mu_);
    return requests_seen_;
  }

  // Answers every request of `master_id` from now on by uploading the spool.
  void serve(std::string master_id, upload_options opts = {}) {
    server_ = std::jthread([this, master_id, opts](std::stop_token stop) {
      while (!stop.stop_requested()) {
        auto req = pop_request(stop);
        if (!req || req->master_id != master_id) continue;
        answer(*req, opts);
      }
    });
  }

  // Takes the next request (one serve() is not answering) and accepts it,
  // announcing `files`; nullopt if none comes within `timeout`.
  std::optional<protocol::logs_request> accept_request(const std::vector<std::string>& files,
                                                       std::chrono::milliseconds timeout) {
    std::optional<protocol::logs_request> req;
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, timeout, [&] { return !requests_.empty(); })) return std::nullopt;
      req = std::move(requests_.front());
      requests_.pop_front();
    }
    protocol::logs_reply reply;
    reply.request_id = req->request_id;
    reply.master_id = req->master_id;
    reply.status = protocol::reply_status::accepted;
    reply.files = files;
    reply.ts_ms = wall_clock_ms();
    publish({topics_.logs_reply(node_), protocol::encode(reply), 1, false});
    return req;
  }

  protocol::upload_begin manifest(const std::string& file, const std::string& bytes,
                                  const std::string& transfer, const std::string& request,
                                  const std::string& master_id, std::uint32_t chunk_size) const {
    protocol::upload_begin m;
    m.transfer_id = transfer;
    m.request_id = request;
    m.master_id = master_id;
    m.node = node_;
    m.file = file;
    m.size = bytes.size();
    m.sha256 = sha256_hex(bytes);
    m.chunk_size = chunk_size;
    m.chunk_count = static_cast<std::uint32_t>(protocol::chunk_count_for(m.size, chunk_size));
    m.mtime_ms = wall_clock_ms();
    return m;
  }
  void send_begin(const protocol::upload_begin& m) {
    publish({topics_.upload_begin(node_, m.transfer_id), protocol::encode(m), 1, false});
  }
  void send_chunk(const protocol::upload_begin& m, const std::string& bytes, std::uint32_t i) {
    auto start = std::uint64_t{i} * m.chunk_size;
    publish({topics_.upload_chunk(node_, m.transfer_id, i),
             bytes.substr(start, std::min<std::uint64_t>(m.chunk_size, bytes.size() - start)), 1,
             false});
  }
  void send_end(const protocol::upload_begin& m) {
    publish({topics_.upload_end(node_, m.transfer_id),
             protocol::encode(protocol::upload_end{m.transfer_id, m.chunk_count}), 1, false});
  }

  // The first ack of `transfer` (not seen by an earlier call) that `pred`
  // accepts; earlier ones are skipped. nullopt after `timeout`.
  template <class Pred>
  std::optional<protocol::logs_ack> wait_ack(const std::string& transfer, Pred pred,
                                             std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<protocol::logs_ack> found;
    cv_.wait_for(lock, timeout, [&] {
      auto& q = acks_[transfer];
      while (!q.empty()) {
        auto a = std::move(q.front());
        q.pop_front();
        if (pred(a)) {
          found = std::move(a);
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::optional<protocol::logs_ack> wait_final(const std::string& transfer,
                                               std::chrono::milliseconds timeout) {
    return wait_ack(
        transfer, [](const protocol::logs_ack& a) { return is_final(a); }, timeout);
  }
  static bool is_final(const protocol::logs_ack& a) {
    return a.status == protocol::ack_status::complete || a.status == protocol::ack_status::rejected;
  }

 private:
  static mqtt_session::options plain(std::string url, const std::string& node) {
    mqtt_session::options o;
    o.server_uri = std::move(url);
    o.client_id = node;
    o.clean_session = true;
    return o;
  }

  void read(std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto msg = session_->inbox().pop_for(std::chrono::milliseconds(100));
      if (!msg) continue;
      auto topic = topics_.parse(msg->topic);
      if (!topic) continue;
      std::lock_guard lock(mu_);
      if (topic->kind == protocol::topic_kind::logs_request) {
        if (auto r = protocol::decode_logs_request(msg->payload)) {
          ++requests_seen_;
          requests_.push_back(std::move(*r));
        }
      } else if (topic->kind == protocol::topic_kind::logs_ack) {
        if (auto a = protocol::decode_logs_ack(msg->payload)) {
          ++acks_seen_;
          acks_[a->transfer_id].push_back(std::move(*a));
        }
      }
      cv_.notify_all();
    }
  }

  std::optional<protocol::logs_request> pop_request(std::stop_token stop) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, stop, std::chrono::milliseconds(200),
                      [&] { return !requests_.empty(); })) {
      return std::nullopt;
    }
    auto r = std::move(requests_.front());
    requests_.pop_front();
    return r;
  }

  void answer(const protocol::logs_request& req, const upload_options& opts) {
    std::map<std::string, std::string> files;
    {
      std::lock_guard lock(mu_);
      files = spool_;
    }
    protocol::logs_reply reply;
    reply.request_id = req.request_id;
    reply.master_id = req.master_id;
    reply.status = files.empty() ? protocol::reply_status::empty : protocol::reply_status::accepted;
    for (const auto& [name, _] : files) reply.files.push_back(name);
    reply.ts_ms = wall_clock_ms();
    publish({topics_.logs_reply(node_), protocol::encode(reply), 1, false});
    for (const auto& [name, bytes] : files) upload(req, name, bytes, opts);
  }

  void upload(const protocol::logs_request& req, const std::string& name, const std::string& bytes,
              const upload_options& opts) {
    auto m = manifest(name, bytes, fmt::format("t{}", ++transfers_), req.request_id, req.master_id,
                      req.chunk_size);
    if (opts.wrong_sha256) m.sha256 = sha256_hex(bytes + "x");
    send_begin(m);
    if (opts.stall) return send_chunk(m, bytes, 0);
    // Sliding window: never more than `window` chunks beyond the last ack.
    std::mt19937 rng(42);
    std::uint32_t acked = 0;
    std::uint32_t sent = 0;
    while (acked < m.chunk_count) {
      std::vector<std::uint32_t> order;
      for (; sent < std::min(m.chunk_count, acked + req.window); ++sent) order.push_back(sent);
      if (opts.shuffle_and_duplicate) {
        order.insert(order.end(), order.begin(), order.end());
        std::shuffle(order.begin(), order.end(), rng);
      }
      for (auto i : order) send_chunk(m, bytes, i);
      auto ack = wait_ack(
          m.transfer_id, [&](const protocol::logs_ack& a) { return is_final(a) || a.next > acked; },
          std::chrono::seconds(60));
      if (!ack || is_final(*ack)) return settle(name, ack);
      acked = ack->next;
    }
    send_end(m);
    if (opts.end_twice) send_end(m);
    while (true) {
      auto ack = wait_ack(
          m.transfer_id,
          [](const protocol::logs_ack& a) {
            return is_final(a) || a.status == protocol::ack_status::missing;
          },
          std::chrono::seconds(60));
      if (!ack || is_final(*ack)) return settle(name, ack);
      for (auto i : ack->missing) send_chunk(m, bytes, i);
      send_end(m);
    }
  }

  void settle(const std::string& name, const std::optional<protocol::logs_ack>& ack) {
    if (!ack || ack->status != protocol::ack_status::complete) return;  // keep the file
    std::lock_guard lock(mu_);
    spool_.erase(name);  // only now may the agent delete its file
  }

  const protocol::topic_scheme topics_;
  const std::string node_;
  const std::string ip_;
  const std::uint64_t session_id_;
  mutable std::uint64_t seq_ = 0;
  std::unique_ptr<mqtt_session::session> session_;

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::map<std::string, std::string> spool_;
  std::deque<protocol::logs_request> requests_;
  std::size_t requests_seen_ = 0;
  std::map<std::string, std::deque<protocol::logs_ack>> acks_;
  std::size_t acks_seen_ = 0;
  unsigned transfers_ = 0;

  std::jthread reader_;
  std::jthread server_;
};

}  // namespace peranda::test

namespace peranda::test {

// Asks `m` for a pull of the agent's node and accepts it announcing
// `files`; returns the request id once the master knows the reply, so a
// test may upload those files by hand under it.
inline std::string open_pull(const master_fixture& m, test_agent& agent,
                             const std::vector<std::string>& files) {
  auto id = m.pull(agent.node());
  BOOST_REQUIRE(!id.empty());
  auto req = agent.accept_request(files, std::chrono::seconds(60));
  BOOST_REQUIRE(req && req->request_id == id);
  BOOST_REQUIRE(wait_until([&] {
    auto p = m.pull_status(id);
    return p.is_object() && p.value("status", "") == "accepted";
  }));
  return id;
}

}  // namespace peranda::test
