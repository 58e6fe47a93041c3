// SPDX-License-Identifier: Apache-2.0
#include "tests/support/logs_mailbox.hpp"

#include "core/protocol/topics.hpp"

namespace peranda::test {

void logs_mailbox::subscribe(mqtt_session::session& session, const std::string& node) {
  protocol::topic_scheme topics;
  session.subscribe(topics.logs_request(node), 1,
                    [this](mqtt_session::message& m) { take_request(m); });
  session.subscribe(topics.logs_ack(node), 1, [this](mqtt_session::message& m) { take_ack(m); });
}

void logs_mailbox::take_request(const mqtt_session::message& m) {
  auto r = protocol::decode_logs_request(m.payload);
  if (!r) return;
  {
    std::lock_guard lock(mu_);
    ++requests_seen_;
    requests_.push_back(std::move(*r));
  }
  cv_.notify_all();
}

void logs_mailbox::take_ack(const mqtt_session::message& m) {
  auto a = protocol::decode_logs_ack(m.payload);
  if (!a) return;
  {
    std::lock_guard lock(mu_);
    ++acks_seen_;
    acks_[a->transfer_id].push_back(std::move(*a));
  }
  cv_.notify_all();
}

std::optional<protocol::logs_request> logs_mailbox::pop_request(std::chrono::milliseconds timeout,
                                                                std::stop_token stop) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, stop, timeout, [&] { return !requests_.empty(); })) return std::nullopt;
  auto r = std::move(requests_.front());
  requests_.pop_front();
  return r;
}

std::optional<protocol::logs_ack> logs_mailbox::wait_ack(
    const std::string& transfer, const std::function<bool(const protocol::logs_ack&)>& pred,
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

std::size_t logs_mailbox::requests_seen() const {
  std::lock_guard lock(mu_);
  return requests_seen_;
}

std::size_t logs_mailbox::acks_seen() const {
  std::lock_guard lock(mu_);
  return acks_seen_;
}

}  // namespace peranda::test
