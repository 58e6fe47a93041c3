// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/util/mutex.hpp"

namespace peranda {

// A FIFO per sender, served round-robin, bounded in items and bytes both in
// all and per sender. One sender flooding it can hold only its own share and
// delays another sender's next item by at most one item per busier sender:
// on the master, a node publishing as fast as the broker lets it can neither
// crowd other nodes' heartbeats and alarms out of the queue nor make them
// wait behind its backlog. Producers never block (Paho's callback thread);
// consumers wait with a deadline. close() wakes every waiter; pops drain
// what is left first. Thread-safe.
template <class T>
class fair_queue {
 public:
  struct limits {
    std::size_t items;
    std::size_t bytes;
    std::size_t items_per_sender;
    std::size_t bytes_per_sender;
  };
  enum class outcome { queued, sender_full, full, closed };

  explicit fair_queue(limits l) : limits_(l) {}

  // `bytes` is what the item holds (counted against the byte limits).
  [[nodiscard]] outcome try_push(std::string_view sender, T item, std::size_t bytes) EXCLUDES(mu_) {
    {
      lock_guard lock(mu_);
      if (closed_) return outcome::closed;
      auto it = senders_.find(sender);
      if (it != senders_.end() && (it->second.items.size() >= limits_.items_per_sender ||
                                   it->second.bytes + bytes > limits_.bytes_per_sender)) {
        return outcome::sender_full;
      }
      if (bytes > limits_.bytes_per_sender) return outcome::sender_full;
      if (items_ >= limits_.items || bytes_ + bytes > limits_.bytes) return outcome::full;
      if (it == senders_.end()) {
        it = senders_.emplace(std::string(sender), queue{}).first;
        turn_.push_back(it->first);
      }
      it->second.items.emplace_back(std::move(item), bytes);
      it->second.bytes += bytes;
      ++items_;
      bytes_ += bytes;
    }
    not_empty_.notify_one();
    return outcome::queued;
  }

  // Waits up to `timeout` for an item, taken from the sender whose turn it
  // is; nullopt on timeout or when closed and empty.
  template <class Rep, class Period>
  std::optional<T> pop_for(std::chrono::duration<Rep, Period> timeout) EXCLUDES(mu_) {
    unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout,
                             [&]() REQUIRES(mu_) { return closed_ || items_ > 0; })) {
      return std::nullopt;
    }
    if (items_ == 0) return std::nullopt;
    auto sender = std::move(turn_.front());
    turn_.pop_front();
    auto it = senders_.find(sender);
    auto [item, bytes] = std::move(it->second.items.front());
    it->second.items.pop_front();
    it->second.bytes -= bytes;
    --items_;
    bytes_ -= bytes;
    if (it->second.items.empty()) {
      senders_.erase(it);
    } else {
      turn_.push_back(std::move(sender));
    }
    return std::move(item);
  }

  void close() EXCLUDES(mu_) {
    {
      lock_guard lock(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

  std::size_t size() const EXCLUDES(mu_) {
    lock_guard lock(mu_);
    return items_;
  }

 private:
  struct queue {
    std::deque<std::pair<T, std::size_t>> items;
    std::size_t bytes = 0;
  };

  // Constant after construction
  const limits limits_;

  mutable mutex mu_;
  std::condition_variable_any not_empty_;
  std::map<std::string, queue, std::less<>> senders_ GUARDED_BY(mu_);  // no empty queues
  std::deque<std::string> turn_ GUARDED_BY(mu_);  // senders with items, next to serve first
  std::size_t items_ GUARDED_BY(mu_) = 0;
  std::size_t bytes_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace peranda
