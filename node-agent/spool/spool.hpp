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

#include "core/compress/encoding.hpp"
#include "core/compress/zstd_stream.hpp"
#include "core/error.hpp"
#include "core/fs/sha256.hpp"
#include "core/fs/unique_fd.hpp"
#include "core/util/mutex.hpp"

namespace peranda::agent {

struct spool_settings {
  std::filesystem::path dir;                 // holds active.log and closed files
  std::uint64_t rotate_bytes = 16ull << 20;  // close the active file at this size
  std::chrono::milliseconds rotate_age{std::chrono::hours(1)};  // ... or at this age
  std::uint64_t max_bytes = 1ull << 30;                         // cap on bytes on disk
  encoding compression = encoding::zstd;                        // of closed files
  int compression_level = 1;
};

struct spool_file {
  std::string name;
  std::uint64_t size = 0;  // on disk
  std::uint64_t mtime_ms = 0;
  // Hashed while it was written (empty for files found at start-up), so an
  // upload needs no extra pass over the file: `sha256` of the bytes on
  // disk, `raw_size`/`raw_sha256` of the records they hold (the same for a
  // plain file).
  std::string sha256;
  std::uint64_t raw_size = 0;
  std::string raw_sha256;
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
// Closed files are named `spool-<ms>-<n>.log` (`.log.zst` when compressed)
// so name order is age order.
// Guarantees: a record is appended with one write(2); a file is fsynced
// before it is closed (renamed); on open, a torn last record left by a crash
// is cut off before the active file is closed, so closed files only ever
// hold whole records. With zstd, the active file stays plain (it is what
// crash recovery and records_since read) and each batch is also fed to a
// streaming compressor writing `active.log.zst.part`; closing ends the
// frame, fsyncs it and commits it by renaming it to `active.log.zst` before
// the plain file is deleted, so a crash at any step leaves exactly one
// copy (docs/design-notes.md, "zstd spool"). When the bytes on disk exceed
// max_bytes, the oldest closed files not pinned by an upload are deleted,
// logged and counted. Thread-safe.
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
  // `now`: when the active file's age starts (rotate_age).
  result<void> open_active(std::chrono::system_clock::time_point now) REQUIRES(mu_);
  result<void> close_active() REQUIRES(mu_);
  // Feeds appended records to the compressor and its output to the part
  // file; a failure leaves the part stale, rebuilt from the plain file at close.
  void compress_appended(std::string_view records) REQUIRES(mu_);
  // Compresses the whole active file again (after a crash, or a failed
  // part write), hashing its records on the way.
  result<void> rebuild_compressed() REQUIRES(mu_);
  result<void> write_compressed(std::string_view bytes) REQUIRES(mu_);
  // Ends the frame and turns the part into the closed file `name`.
  result<void> commit_compressed(const std::string& name) REQUIRES(mu_);
  void enforce_cap() REQUIRES(mu_);
  std::string next_closed_name(encoding enc) REQUIRES(mu_);
  // Copies the counters for stats(), which the heartbeat reads on Paho's
  // thread: it must never wait for mu_, held over fsync and rename.
  void publish_stats() REQUIRES(mu_) EXCLUDES(stats_mu_);

  // Constant after construction
  const spool_settings settings_;
  const std::filesystem::path active_path_;
  const std::filesystem::path part_path_;       // active.log.zst.part
  const std::filesystem::path committed_path_;  // active.log.zst

  mutable mutex mu_;
  unique_fd active_fd_ GUARDED_BY(mu_);
  std::uint64_t active_bytes_ GUARDED_BY(mu_) = 0;
  std::optional<sha256> active_hash_ GUARDED_BY(mu_);  // of all active_bytes_; none if unknown
  std::chrono::system_clock::time_point active_since_ GUARDED_BY(mu_){};
  // zstd only: the compressed copy of the active file being written.
  std::optional<zstd_compressor> zstd_ GUARDED_BY(mu_);
  unique_fd part_fd_ GUARDED_BY(mu_);
  std::uint64_t part_bytes_ GUARDED_BY(mu_) = 0;
  std::optional<sha256> part_hash_ GUARDED_BY(mu_);
  bool part_in_step_ GUARDED_BY(mu_) = false;  // holds exactly the active file's records
  std::string compressed_ GUARDED_BY(mu_);      // scratch output buffer
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
