// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/bounded_queue.hpp"
#include "master-service/master_config.hpp"
#include "master-service/metrics/counters.hpp"
#include "master-service/receiver/receiver.hpp"
#include "master-service/scheduler/pull_tracker.hpp"

namespace peranda::master {

// The nodes' upload messages and their replies to logs requests, fed to the
// receiver and the pull tracker on an upload thread of its own. Paho's
// thread parses each topic once and queues the message (the payload moved,
// not copied; a reply in order with the begins that follow it): one thread
// hand-off per chunk, which on 2 cores is CPU the upload needs. It drops,
// counted, before they take memory: retained ones, chunks larger than
// chunk_size or of no transfer the gate expects, unrequested begins beyond
// the node's answer budget, and whatever would exceed the backlog's bytes.
// start()/stop() from one thread.
class upload_intake {
 public:
  upload_intake(const master_config& config, receiver& receiver, pull_tracker& pulls,
                unconfirmed_ledger& unconfirmed, master_metrics& metrics);
  ~upload_intake();

  // REQUIRES: before session.start().
  void subscribe(const protocol::topic_scheme& topics, mqtt_session::session& session);
  void start();
  void stop();

 private:
  struct upload_message {
    protocol::parsed_topic topic;
    std::string payload;
    std::size_t oversized = 0;  // a chunk of this size, dropped unread
  };

  // On Paho's thread.
  void take(const protocol::topic_scheme& topics, mqtt_session::message& msg);
  // On the upload thread.
  void run(std::stop_token stop);
  void handle(const upload_message& msg, std::chrono::steady_clock::time_point now);
  void on_reply(const protocol::parsed_topic& topic, std::string_view payload);

  // Constant after construction
  const master_config& config_;
  const std::uint64_t backlog_limit_;  // bytes of queue_'s payloads

  receiver& receiver_;
  pull_tracker& pulls_;
  unconfirmed_ledger& unconfirmed_;
  master_metrics& metrics_;
  bounded_queue<upload_message> queue_;
  std::jthread thread_;
};

}  // namespace peranda::master
