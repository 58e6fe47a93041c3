// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "core/mqtt/session.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_request.hpp"

namespace peranda::test {

// The logs requests and acks a test-side node received, decoded and queued
// (acks by transfer id) for the test to wait on. Thread-safe.
class logs_mailbox {
 public:
  // REQUIRES: before session.start(). Subscribes `node`'s requests and acks.
  void subscribe(mqtt_session::session& session, const std::string& node);

  // The next request; nullopt after `timeout`, or when `stop` is requested.
  std::optional<protocol::logs_request> pop_request(std::chrono::milliseconds timeout,
                                                    std::stop_token stop = {});
  // The first ack of `transfer` (not taken by an earlier call) that `pred`
  // accepts; earlier ones are skipped. nullopt after `timeout`.
  std::optional<protocol::logs_ack> wait_ack(
      const std::string& transfer, const std::function<bool(const protocol::logs_ack&)>& pred,
      std::chrono::milliseconds timeout);

  std::size_t requests_seen() const;
  std::size_t acks_seen() const;

 private:
  void take_request(const mqtt_session::message& m);
  void take_ack(const mqtt_session::message& m);

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<protocol::logs_request> requests_;
  std::size_t requests_seen_ = 0;
  std::map<std::string, std::deque<protocol::logs_ack>> acks_;
  std::size_t acks_seen_ = 0;
};

}  // namespace peranda::test
