// SPDX-License-Identifier: Apache-2.0
#include "master-service/fleet/owed_alarms.hpp"

namespace peranda::master {

owed_alarms::owed_alarms(std::chrono::milliseconds handover, std::size_t max)
    : handover_(handover), max_(max) {}

std::size_t owed_alarms::add(alarm a, clock::time_point now) {
  std::size_t dropped = 0;
  if (owed_.size() >= max_) {
    owed_.pop_front();
    dropped = 1;
  }
  owed_.push_back({std::move(a), now});
  return dropped;
}

std::vector<owed_alarms::alarm> owed_alarms::settle(const ownership& owns,
                                                     clock::time_point now) {
  std::vector<alarm> mine;
  std::erase_if(owed_, [&](entry& e) {
    if (owns(e.what.node)) {
      mine.push_back(std::move(e.what));
      return true;
    }
    return now - e.since > handover_;
  });
  return mine;
}

}  // namespace peranda::master
