// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/pull_due.hpp"

#include <algorithm>

namespace peranda::master {

std::chrono::steady_clock::duration not_owner_backoff(
    unsigned count, std::chrono::steady_clock::duration interval) {
  if (count == 0) return {};
  std::chrono::steady_clock::duration wait = std::chrono::seconds(1);
  for (unsigned i = 1; i < count && wait < interval; ++i) wait *= 2;
  return std::min(wait, interval);
}

pull_due decide_pull(const pull_due_inputs& in) {
  if (!in.owned) return pull_due::not_mine;
  if (in.not_owner_count > 0 &&
      in.since_not_owner < not_owner_backoff(in.not_owner_count, in.interval)) {
    return pull_due::not_yet;
  }
  if (in.gained || in.on_demand || !in.requested_once) return pull_due::now;
  if (in.not_owner_count > 0) return pull_due::now;  // its back-off is over
  return in.since_request >= in.interval ? pull_due::now : pull_due::not_yet;
}

}  // namespace peranda::master
