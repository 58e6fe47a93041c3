// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/util/mutex.hpp"

namespace peranda::master {

// Counts by a label from a small fixed set (a reason, an outcome). The label
// becomes a Prometheus label value, so callers pass constants, never input.
// Thread-safe.
class labelled_counter {
 public:
  void add(std::string_view label, std::uint64_t n = 1);
  std::map<std::string, std::uint64_t> snapshot() const;
  std::uint64_t get(std::string_view label) const;

 private:
  mutable mutex mu_;
  std::map<std::string, std::uint64_t, std::less<>> counts_ GUARDED_BY(mu_);
};

// Invalid input, counted by reason. The first occurrence of a reason is
// logged at once with its detail; later ones only through log_summary()
// ("N more since"), so a flood of garbage costs one log line per reason and
// period, not one per message. Thread-safe.
class rejection_log {
 public:
  explicit rejection_log(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

  // `reason` is a constant label; `detail` is free text for the log only.
  void reject(std::string_view reason, std::string_view detail);
  // Logs, per reason, how many were rejected since the last summary.
  void log_summary();
  std::map<std::string, std::uint64_t> counts() const { return counts_.snapshot(); }
  std::uint64_t count(std::string_view reason) const { return counts_.get(reason); }

 private:
  struct pending {
    std::uint64_t count = 0;
    std::string last_detail;
  };
  // Constant after construction
  const std::shared_ptr<spdlog::logger> log_;
  labelled_counter counts_;
  mutex mu_;
  std::map<std::string, pending, std::less<>> unlogged_ GUARDED_BY(mu_);
  std::map<std::string, bool, std::less<>> seen_ GUARDED_BY(mu_);
};

// Every number /metrics shows that is not derived from another part's state.
struct master_metrics {
  explicit master_metrics(std::shared_ptr<spdlog::logger> log)
      : rejected_messages(std::move(log)) {}

  rejection_log rejected_messages;      // invalid MQTT messages, by reason
  labelled_counter transfers;           // finished transfers, by outcome
  labelled_counter transfers_rejected;  // rejected transfers, by reason
  labelled_counter pulls;               // pull requests, by final status
  // Pulls an agent answered not_owner (its view of the masters differs).
  std::atomic<std::uint64_t> not_owner_replies{0};
  std::atomic<std::uint64_t> bytes_stored{0};
  std::atomic<std::uint64_t> files_stored{0};
  // Stored files read to learn their sha256 (each at most once while unchanged).
  std::atomic<std::uint64_t> stored_file_hashes{0};
  // Bytes of upload messages queued for the upload thread (a gauge).
  std::atomic<std::uint64_t> upload_backlog_bytes{0};
  std::atomic<std::uint64_t> alarms{0};
  std::atomic<std::uint64_t> alarm_duplicates{0};
  labelled_counter alarms_limited;  // alarms refused (rate) or cut (size), by reason
  labelled_counter alarm_hooks;     // hook runs, by outcome
  labelled_counter fleet_alarms;    // fleet alarms raised as the node's owner, by event
  std::atomic<std::uint64_t> fleet_alarms_owed{0};  // journaled for another owner (a gauge)
};

}  // namespace peranda::master
