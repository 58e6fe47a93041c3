// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/mqtt/session.hpp"
#include "core/util/bounded_queue.hpp"

namespace peranda::test {

// The messages a test's sessions received on the filters subscribed into
// it, queued for the test to take. Its sinks share the queue, so a session
// may outlive the inbox (a message arriving then is still safe to queue).
// Thread-safe.
class message_inbox {
 public:
  explicit message_inbox(std::size_t capacity = 8192);

  // REQUIRES: before session.start(). Messages matching `filter` come here.
  void subscribe(mqtt_session::session& session, std::string filter, int qos = 1);
  // The sink for session.subscribe() (a full inbox drops the message).
  mqtt_session::session::sink sink();

  std::optional<mqtt_session::message> pop_for(std::chrono::milliseconds timeout);
  // Waits up to `timeout` for one message; true when one came (and was taken).
  bool take_one(std::chrono::milliseconds timeout) { return pop_for(timeout).has_value(); }

 private:
  std::shared_ptr<bounded_queue<mqtt_session::message>> queue_;
};

}  // namespace peranda::test
