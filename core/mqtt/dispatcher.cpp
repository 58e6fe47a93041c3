// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/dispatcher.hpp"

#include <algorithm>

#include "core/log/log.hpp"

namespace peranda::mqtt_session {
namespace {

auto log() {
  static auto l = get_logger("mqtt");
  return l;
}

}  // namespace

dispatcher::dispatcher(const protocol::topic_scheme& topics, std::size_t capacity,
                       rejecter on_reject)
    : topics_(topics),
      capacity_(capacity),
      on_reject_(std::move(on_reject)),
      queue_({.items = capacity,
              .bytes = k_max_queued_bytes,
              .items_per_sender = std::max<std::size_t>(capacity / 4, 1),
              .bytes_per_sender = k_max_queued_bytes / 8}) {}

session::sink dispatcher::to(handler h, retained policy) {
  auto target = std::make_shared<const handler>(std::move(h));
  return [this, target, policy](message& msg) {
    auto topic = topics_.parse(msg.topic);
    if (!topic) return reject("bad_topic", topic.error().message);
    // A retained request, alarm or upload is old (or planted) and would be
    // acted on again at every reconnect.
    if (msg.retained && policy == retained::ignored) return reject("retained_ignored", msg.topic);
    auto bytes = msg.topic.size() + msg.payload.size();
    auto sender = topic->owner;
    auto name = msg.topic;  // the message is moved into the queue
    switch (queue_.try_push(sender, {target, {std::move(*topic), std::move(msg)}}, bytes)) {
      case fair_queue<queued>::outcome::queued:
      case fair_queue<queued>::outcome::closed:
        return;
      case fair_queue<queued>::outcome::sender_full:
        return drop("sender_share_full", name);
      case fair_queue<queued>::outcome::full:
        return drop("inbox_full", name);
    }
  };
}

session::sink dispatcher::unmatched() {
  return [this](message& msg) {
    auto topic = topics_.parse(msg.topic);
    if (!topic) return reject("bad_topic", topic.error().message);
    if (msg.retained) return reject("retained_ignored", msg.topic);
    reject("unexpected_topic", msg.topic);
  };
}

void dispatcher::run(std::stop_token stop, std::chrono::milliseconds wake,
                     const std::function<void()>& idle) {
  while (!stop.stop_requested()) {
    auto next = queue_.pop_for(wake);
    if (next) {
      try {
        (*next->to)(next->what);
      } catch (const std::exception& e) {
        reject("internal_error", e.what());
      }
    }
    if (idle) idle();
  }
}

void dispatcher::drop(std::string_view reason, const std::string& topic) {
  if (dropped_.fetch_add(1) % 1000 == 0) {
    log()->error(
        "inbound queue full ({} messages or {} MiB, a quarter and an eighth of them per sender): "
        "dropped {} incoming message(s) so far, the last for {} on {}",
        capacity_, k_max_queued_bytes >> 20, dropped_.load(), reason, topic);
  }
  reject(reason, topic);
}

void dispatcher::reject(std::string_view reason, const std::string& detail) const {
  on_reject_(reason, detail);
}

}  // namespace peranda::mqtt_session
