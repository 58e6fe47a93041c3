// SPDX-License-Identifier: Apache-2.0
#include "master-service/health/health_verdict.hpp"

#include <fmt/format.h>

namespace peranda::master {

std::vector<health_reason> judge_health(const health_facts& f) {
  std::vector<health_reason> out;
  if (!f.broker_connected) {
    out.push_back({k_broker_disconnected, "not connected to the MQTT broker"});
  }
  if (f.journal_error) out.push_back({k_journal_unwritable, *f.journal_error});
  if (f.data_dir_error) out.push_back({k_data_dir_unwritable, *f.data_dir_error});
  if (f.free_bytes && *f.free_bytes < f.min_free_bytes) {
    out.push_back({k_disk_space_low,
                   fmt::format("{} bytes free on data_dir's file system, below min_free_bytes {}",
                               *f.free_bytes, f.min_free_bytes)});
  }
  // Two intervals: one pull may be skipped (busy agent, full transfer
  // slots) without the master being called unhealthy.
  if (f.late_nodes > 0) {
    out.push_back(
        {k_pulls_lagging,
         fmt::format("{} online node(s) not pulled for more than two pull intervals ({} ms); "
                     "'{}' for {} ms",
                     f.late_nodes, 2 * f.pull_interval.count(), f.most_late_node,
                     f.most_late.count())});
  }
  return out;
}

}  // namespace peranda::master
