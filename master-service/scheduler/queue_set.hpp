// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace peranda::master {

// Which worker queue serves which node. A new node joins the shortest queue
// (the lowest index among equals), so lengths never differ by more than one
// as nodes arrive; a known node keeps its queue. Not thread-safe (the
// scheduler guards it).
class queue_set {
 public:
  // REQUIRES: queues >= 1.
  explicit queue_set(unsigned queues);

  // The node's queue; joins the shortest one if new.
  unsigned assign(std::string_view node);
  // Removes a node; returns the queue it left.
  std::optional<unsigned> remove(std::string_view node);
  std::optional<unsigned> queue_of(std::string_view node) const;

  // Members of `queue` in the order they joined.
  const std::vector<std::string>& members(unsigned queue) const { return queues_.at(queue); }
  std::vector<std::size_t> lengths() const;
  unsigned count() const { return static_cast<unsigned>(queues_.size()); }

 private:
  std::vector<std::vector<std::string>> queues_;
  std::unordered_map<std::string, unsigned> where_;
};

}  // namespace peranda::master
