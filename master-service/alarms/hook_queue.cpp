// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/hook_queue.hpp"

#include <algorithm>

namespace peranda::master {

hook_queue::outcome hook_queue::push(const std::string& node, std::string item) {
  outcome result = outcome::queued;
  {
    lock_guard lock(mu_);
    if (closed_) return outcome::closed;
    if (size_ >= capacity_) {
      auto longest = std::max_element(queues_.begin(), queues_.end(), [](auto& a, auto& b) {
        return a.second.size() < b.second.size();
      });
      auto own = queues_.find(node);
      std::size_t own_size = own == queues_.end() ? 0 : own->second.size();
      if (longest == queues_.end() || longest->second.size() <= own_size) return outcome::full;
      longest->second.pop_back();
      --size_;
      // Not emptied: it held more than this node's entries, so at least one.
      result = outcome::evicted;
    }
    auto& q = queues_[node];
    if (q.empty()) turn_.push_back(node);
    q.push_back(std::move(item));
    ++size_;
  }
  not_empty_.notify_one();
  return result;
}

std::optional<std::string> hook_queue::pop_for(std::chrono::milliseconds timeout) {
  unique_lock lock(mu_);
  if (!not_empty_.wait_for(lock, timeout, [&]() REQUIRES(mu_) { return closed_ || size_ > 0; })) {
    return {};
  }
  if (size_ == 0) return {};
  auto node = std::move(turn_.front());
  turn_.pop_front();
  auto it = queues_.find(node);
  auto item = std::move(it->second.front());
  it->second.pop_front();
  --size_;
  if (it->second.empty()) {
    queues_.erase(it);
  } else {
    turn_.push_back(std::move(node));
  }
  return item;
}

void hook_queue::close() {
  {
    lock_guard lock(mu_);
    closed_ = true;
  }
  not_empty_.notify_all();
}

std::size_t hook_queue::size() const {
  lock_guard lock(mu_);
  return size_;
}

}  // namespace peranda::master
