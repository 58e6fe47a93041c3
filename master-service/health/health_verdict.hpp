// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/messages/heartbeat.hpp"

namespace peranda::master {

// One reason the master is not healthy (codes below; docs/master.md).
using health_reason = protocol::health_reason;

// What the master knows about itself at one moment, gathered by
// health_monitor (the I/O); judged by judge_health() (no I/O).
struct health_facts {
  bool broker_connected = false;
  // The last failed write or probe of the alarm journal, of data_dir; unset
  // once a later probe succeeded.
  std::optional<std::string> journal_error;
  std::optional<std::string> data_dir_error;
  // Free bytes on data_dir's file system (unset: statvfs failed, which
  // data_dir_error reports) and the configured floor.
  std::optional<std::uint64_t> free_bytes;
  std::uint64_t min_free_bytes = 0;
  std::chrono::milliseconds pull_interval{0};
  // The online node pulled well longest ago (since it came online, if
  // never since), and for how long; how many online nodes lag > 2 intervals.
  std::string most_late_node;
  std::chrono::milliseconds most_late{0};
  std::size_t late_nodes = 0;
};

// Codes of health_reason, in the order judge_health() reports them.
inline constexpr const char* k_broker_disconnected = "broker_disconnected";
inline constexpr const char* k_journal_unwritable = "journal_unwritable";
inline constexpr const char* k_data_dir_unwritable = "data_dir_unwritable";
inline constexpr const char* k_disk_space_low = "disk_space_low";
inline constexpr const char* k_pulls_lagging = "pulls_lagging";

// Healthy exactly when the answer is empty. Pure; thread-safe.
[[nodiscard]] std::vector<health_reason> judge_health(const health_facts& f);

}  // namespace peranda::master
