// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/util/mutex.hpp"
#include "master-service/health/health_verdict.hpp"

namespace peranda::master {

class registry;
class pull_tracker;

// Gathers the facts /healthz judges (health_verdict.hpp): probe() from the
// master's tick creates, writes and removes a small file in data_dir and in
// the journal's directory, opens the journal for appending, reads the free
// space of data_dir's file system and how late the online nodes' pulls
// are; journal_failed() records a failed journal write as it happens.
// Thread-safe: probe() on the main thread, journal_failed() on any,
// facts() on the HTTP workers.
class health_monitor {
 public:
  using clock = std::chrono::steady_clock;
  // A failed journal write keeps the journal unhealthy this long, whatever
  // the probes say: a probe that succeeds does not prove an fsync would.
  static constexpr std::chrono::seconds k_write_error_memory{60};
  // The probe file's name in each directory probed.
  static constexpr const char* k_probe_name = ".peranda-health-probe";

  struct settings {
    std::filesystem::path data_dir;
    std::filesystem::path journal;
    std::uint64_t min_free_bytes = 0;
    std::chrono::milliseconds pull_interval{0};
  };

  health_monitor(settings s, const registry& nodes, const pull_tracker& pulls);

  void probe(clock::time_point now);
  void journal_failed(const std::string& error);
  health_facts facts(bool broker_connected) const;

 private:
  // Constant after construction
  const settings settings_;
  const registry& nodes_;
  const pull_tracker& pulls_;

  mutable mutex mu_;
  health_facts probed_ GUARDED_BY(mu_);
  std::optional<std::string> probe_journal_error_ GUARDED_BY(mu_);
  std::optional<std::string> write_error_ GUARDED_BY(mu_);
  clock::time_point write_error_at_ GUARDED_BY(mu_){};
};

}  // namespace peranda::master
