// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/fs/sha256.hpp"
#include "core/fs/unique_fd.hpp"
#include "core/util/mutex.hpp"

namespace peranda::agent {

struct spool_settings {
  std::filesystem::path dir;                 // holds active.log and closed files
  std::uint64_t rotate_bytes = 16ull << 20;  // close the active file at this size
  std::chrono::milliseconds rotate_age{std::chrono::hours(1)};  // ... or at this age
  std::uint64_t max_bytes = 1ull << 30;                         // cap on closed + active bytes
};

struct spool_file {
  std::string name;
  std::uint64_t size = 0;
  std::uint64_t mtime_ms = 0;
  // Hashed while it was written (empty for files found at start-up), so an
  // upload needs no extra pass over the file.
  std::string sha256;
};

// Where the spool's end was at one moment: the active file (inode 0: none)
// and its size, and the newest closed file then. Files closed later sort
// after `newest_closed`.
struct spool_mark {
  std::uint64_t active_ino = 0;
  std::uint64_t active_size = 0;
  std::string newest_closed;

  bool operator==(const spool_mark&) const = default;
};

struct spool_stats {
  std::uint64_t closed_files = 0;
  std::uint64_t closed_bytes = 0;
  std::uint64_t active_bytes = 0;
  std::uint64_t dropped_files = 0;  // closed files deleted by the size cap
  std::uint64_t dropped_bytes = 0;
};

// The agent's local log store: one active file that sources append records
// (one line each) to, and closed files that are immutable and uploadable.
// Closed files are named `spool-<ms>-<n>.log` so name order is age order.
// Guarantees: a record is appended with one write(2); a file is fsynced
// before it is closed (renamed); on open, a torn last record left by a crash
// is cut off before the active file is closed, so closed files only ever
// hold whole records. When closed + active bytes exceed max_bytes, the
// oldest closed files not pinned by an upload are deleted, logged and
// counted. Thread-safe.
class spool {
 public:
  // Creates the directory, closes a left-over active file (repairing a torn
  // tail) and scans the closed files.
  [[nodiscard]] static result<std::unique_ptr<spool>> open(spool_settings settings);
  ~spool();
  spool(const spool&) = delete;
  spool& operator=(const spool&) = delete;

  // Appends whole records (each must end in '\n'), rotating first when the
  // active file is too big or too old. `now` is the wall clock.
  [[nodiscard]] result<void> append(
      std::string_view records,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  // Closes the active file if it holds anything (a request wants the newest
  // lines, and the age rule runs from the agent's timer).
  [[nodiscard]] result<void> rotate();
  [[nodiscard]] result<void> rotate_if_old(
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  spool_mark mark() const;
  // How many records of `source` were appended after `m`, in the files
  // still here (the active one and those closed since). For a source that
  // died between spooling a batch and saving its position.
  [[nodiscard]] result<std::uint64_t> records_since(std::string_view source,
                                                    const spool_mark& m) const;

  // Closed files, oldest first.
  std::vector<spool_file> closed_files() const;
  std::filesystem::path path_of(std::string_view closed_name) const;

  // An upload in progress keeps its file safe from the cap.
  void pin(const std::string& name);
  void unpin(const std::string& name);
  // Deletes a closed file after a verified `complete`.
  [[nodiscard]] result<void> remove(const std::string& name);

  spool_stats stats() const EXCLUDES(stats_mu_);

 private:
  explicit spool(spool_settings settings);
  result<void> open_active() REQUIRES(mu_);
  result<void> close_active() REQUIRES(mu_);
  void enforce_cap() REQUIRES(mu_);
  std::string next_closed_name() REQUIRES(mu_);
  // Copies the counters for stats(), which the heartbeat reads on Paho's
  // thread: it must never wait for mu_, held over fsync and rename.
  void publish_stats() REQUIRES(mu_) EXCLUDES(stats_mu_);

  // Constant after construction
  const spool_settings settings_;
  const std::filesystem::path active_path_;

  mutable mutex mu_;
  unique_fd active_fd_ GUARDED_BY(mu_);
  std::uint64_t active_bytes_ GUARDED_BY(mu_) = 0;
  std::optional<sha256> active_hash_ GUARDED_BY(mu_);  // of all active_bytes_; none if unknown
  std::chrono::system_clock::time_point active_since_ GUARDED_BY(mu_){};
  std::vector<spool_file> closed_ GUARDED_BY(mu_);  // oldest first
  std::set<std::string> pinned_ GUARDED_BY(mu_);
  std::uint64_t name_counter_ GUARDED_BY(mu_) = 0;
  std::uint64_t last_name_ms_ GUARDED_BY(mu_) = 0;
  std::uint64_t dropped_files_ GUARDED_BY(mu_) = 0;
  std::uint64_t dropped_bytes_ GUARDED_BY(mu_) = 0;

  mutable mutex stats_mu_ ACQUIRED_AFTER(mu_);
  spool_stats stats_ GUARDED_BY(stats_mu_);
};

}  // namespace peranda::agent
