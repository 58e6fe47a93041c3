// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/fair_queue.hpp"

namespace peranda::mqtt_session {

// A received message with its topic taken apart (once, on Paho's thread).
struct received {
  protocol::parsed_topic topic;
  message msg;
};

// Hands the messages of the features' subscriptions to the features on one
// thread of the owner's: on Paho's thread a sink from to() parses the topic,
// refuses retained messages where they are not meant to be, and queues the
// message with its handler (bounded: a full queue drops, counted); run()
// calls the handlers. The queue is fair by sender (the node or master a
// topic names, fair_queue.hpp): each sender's messages run in order, senders
// take turns, and one sender may hold at most a quarter of the messages and
// an eighth of the bytes, so a flooding node delays and drops only its own.
// Thread-safe.
class dispatcher {
 public:
  using handler = std::function<void(const received&)>;
  // A message refused before it was queued: reason "bad_topic",
  // "retained_ignored", "unexpected_topic", "sender_share_full" or
  // "inbox_full" (the last two also counted in dropped()), and what to log
  // (the topic, or why it is bad).
  // Features report their own refusals (e.g. a payload that does not
  // decode) through reject() as well.
  using rejecter = std::function<void(std::string_view reason, const std::string& detail)>;
  // Which retained messages a subscription takes.
  enum class retained { ignored, taken };

  dispatcher(const protocol::topic_scheme& topics, std::size_t capacity, rejecter on_reject);

  // A sink for session::subscribe() that queues for `h`.
  [[nodiscard]] session::sink to(handler h, retained policy = retained::ignored);
  // A sink for session::on_unmatched(): refuses, on Paho's thread, what
  // no feature subscribed, as "bad_topic", "retained_ignored" or
  // "unexpected_topic".
  [[nodiscard]] session::sink unmatched();

  // Calls the handlers of queued messages until `stop`; between messages,
  // at least every `wake`, calls `idle` if given.
  void run(std::stop_token stop, std::chrono::milliseconds wake,
           const std::function<void()>& idle = {});

  void reject(std::string_view reason, const std::string& detail) const;

  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  struct queued {
    std::shared_ptr<const handler> to;
    received what;
  };

  // Counts and refuses a message the queue has no room for.
  void drop(std::string_view reason, const std::string& topic);

  // Constant after construction
  const protocol::topic_scheme& topics_;
  const std::size_t capacity_;
  const rejecter on_reject_;

  // Any one client may publish up to the broker's max_packet_size (1 MiB)
  // on its alarm or heartbeat topic: the queue is bounded in bytes as well
  // as in messages, and one sender in an eighth of them (8 MiB).
  static constexpr std::size_t k_max_queued_bytes = std::size_t{64} << 20;
  fair_queue<queued> queue_;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace peranda::mqtt_session
