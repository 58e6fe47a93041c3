// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "core/util/mutex.hpp"

namespace peranda::master {

// The alarm hook's backlog, shared fairly by nodes: one queue per node,
// served round-robin, `capacity` entries in all. When it is full, an alarm
// of a node holding fewer entries than the node holding the most evicts
// that node's newest entry, so a flooding node can take only what the
// others leave free, and any other node's next hook runs after at most one
// hook per busier node. Thread-safe.
class hook_queue {
 public:
  // What push() did.
  enum class outcome {
    queued,
    evicted,  // queued; another node's newest entry was dropped for it
    full,     // not queued: this node already holds the most entries
    closed,
  };

  explicit hook_queue(std::size_t capacity) : capacity_(capacity) {}

  // Never blocks.
  outcome push(const std::string& node, std::string item);
  // The next entry (round-robin by node); waits up to `timeout`; nullopt on
  // timeout or once closed.
  std::optional<std::string> pop_for(std::chrono::milliseconds timeout);
  void close();
  std::size_t size() const;

 private:
  // Constant after construction
  const std::size_t capacity_;

  mutable mutex mu_;
  std::condition_variable_any not_empty_;
  std::map<std::string, std::deque<std::string>> queues_ GUARDED_BY(mu_);  // no empty queues
  std::deque<std::string> turn_ GUARDED_BY(mu_);  // nodes with entries, next to serve first
  std::size_t size_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace peranda::master
