// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/dispatcher.hpp"

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
    : topics_(topics), capacity_(capacity), on_reject_(std::move(on_reject)), queue_(capacity) {}

session::sink dispatcher::to(handler h, retained policy) {
  auto target = std::make_shared<const handler>(std::move(h));
  return [this, target, policy](message& msg) {
    auto topic = topics_.parse(msg.topic);
    if (!topic) return reject("bad_topic", topic.error().message);
    // A retained request, alarm or upload is old (or planted) and would be
    // acted on again at every reconnect.
    if (msg.retained && policy == retained::ignored) return reject("retained_ignored", msg.topic);
    auto bytes = msg.topic.size() + msg.payload.size();
    if (queued_bytes_.fetch_add(bytes) + bytes > k_max_queued_bytes) {
      queued_bytes_ -= bytes;
      return drop(msg.topic);
    }
    auto name = msg.topic;  // the message is moved into the queue
    if (queue_.try_push({target, {std::move(*topic), std::move(msg)}})) return;
    queued_bytes_ -= bytes;
    drop(name);
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
      queued_bytes_ -= next->what.msg.topic.size() + next->what.msg.payload.size();
      try {
        (*next->to)(next->what);
      } catch (const std::exception& e) {
        reject("internal_error", e.what());
      }
    }
    if (idle) idle();
  }
}

void dispatcher::drop(const std::string& topic) {
  if (dropped_.fetch_add(1) % 1000 == 0) {
    log()->error("inbox full ({} messages or {} MiB): dropped {} incoming message(s) so far",
                 capacity_, k_max_queued_bytes >> 20, dropped_.load());
  }
  reject("inbox_full", topic);
}

void dispatcher::reject(std::string_view reason, const std::string& detail) const {
  on_reject_(reason, detail);
}

}  // namespace peranda::mqtt_session
