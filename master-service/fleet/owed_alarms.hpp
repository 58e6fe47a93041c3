// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace peranda::master {

// Fleet alarms a master journaled while another master owned their node,
// Sans-I/O: the owner raised them (hook, publish); this master raises one
// only if the node becomes its own within `handover` — its owner died
// with the node (e.g. both on one broker cluster member) and the node's
// Will was read before the master's. At most `max` (≥ 1), oldest dropped
// first.
// Not thread-safe: its owner serialises calls.
class owed_alarms {
 public:
  using clock = std::chrono::steady_clock;
  using ownership = std::function<bool(std::string_view node)>;
  struct alarm {
    std::string node;
    std::string event;
    std::string json;  // the journal line
  };

  owed_alarms(std::chrono::milliseconds handover, std::size_t max);

  // Returns how many older alarms were dropped to make room (0 or 1).
  std::size_t add(alarm a, clock::time_point now);
  // The owed alarms of nodes `owns` says are this master's now, oldest
  // first, taken out; those owed longer than `handover` are forgotten.
  std::vector<alarm> settle(const ownership& owns, clock::time_point now);
  std::size_t size() const { return owed_.size(); }

 private:
  struct entry {
    alarm what;
    clock::time_point since;
  };

  // Constant after construction
  const std::chrono::milliseconds handover_;
  const std::size_t max_;

  std::deque<entry> owed_;
};

}  // namespace peranda::master
