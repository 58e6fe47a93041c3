// SPDX-License-Identifier: Apache-2.0
#include "tests/support/message_inbox.hpp"

namespace peranda::test {

message_inbox::message_inbox(std::size_t capacity)
    : queue_(std::make_shared<bounded_queue<mqtt_session::message>>(capacity)) {}

mqtt_session::session::sink message_inbox::sink() {
  return [queue = queue_](mqtt_session::message& m) {
    // Full (8,192 by default, far beyond any test's need): the test misses it.
    static_cast<void>(queue->try_push(std::move(m)));
  };
}

void message_inbox::subscribe(mqtt_session::session& session, std::string filter, int qos) {
  session.subscribe(std::move(filter), qos, sink());
}

std::optional<mqtt_session::message> message_inbox::pop_for(std::chrono::milliseconds timeout) {
  return queue_->pop_for(timeout);
}

}  // namespace peranda::test
