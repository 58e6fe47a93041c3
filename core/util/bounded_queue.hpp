// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <optional>

#include "core/util/mutex.hpp"

namespace peranda {

// A FIFO with a capacity, for handing work from one thread to another (after
// paho.mqtt.cpp's thread_queue). Producers that must never block (Paho's
// callback thread) use try_push and count a refusal; consumers wait with a
// deadline. close() wakes every waiter; pops drain what is left first.
// Thread-safe.
template <class T>
class bounded_queue {
 public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity) {}

  // Returns false when the queue is full or closed; never blocks.
  [[nodiscard]] bool try_push(T item) EXCLUDES(mu_) {
    {
      lock_guard lock(mu_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(std::move(item));
    }
    not_empty_.notify_one();
    return true;
  }

  // Waits up to `timeout` for an item; nullopt on timeout or when closed and empty.
  template <class Rep, class Period>
  std::optional<T> pop_for(std::chrono::duration<Rep, Period> timeout) EXCLUDES(mu_) {
    unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout,
                             [&]() REQUIRES(mu_) { return closed_ || !items_.empty(); })) {
      return std::nullopt;
    }
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
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
    return items_.size();
  }

 private:
  // Constant after construction
  const std::size_t capacity_;
  mutable mutex mu_;
  std::condition_variable_any not_empty_;
  std::deque<T> items_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace peranda
