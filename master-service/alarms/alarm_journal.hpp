// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/util/mutex.hpp"
#include "master-service/alarms/group_commit.hpp"
#include "master-service/alarms/journal_limits.hpp"

namespace peranda::master {

// One journal line: the alarm's JSON plus `received` (master's clock, ms).
struct journal_entry {
  std::uint64_t seq = 0;  // position since this process started; for follow
  std::uint64_t received_ms = 0;
  std::string json;  // one line, no newline
};

// The alarm journal: JSON lines appended once per (node, alarm id) — QoS-1
// redeliveries and agent resends are dropped, and one node's ids never
// shadow another's; with `fsync` on, what waits for a line to be durable
// runs after a group commit covering it. The file is rotated by size and
// age: `<stem><ext>` is renamed `<stem>-<UTC YYYYMMDDTHHMMSS.mmm>Z<ext>`
// (the time of the rotation, from the alarms' `received` clock) and a new
// one started; the `keep` newest rotated files are kept. On open, the tail
// of the journal (the current file, then rotated ones, newest first, up to
// 16 MiB) rebuilds the set of seen ids and the in-memory window the API
// serves, so de-duplication survives a restart and a rotation.
// Thread-safe; wait_for_more() lets HTTP followers block for new lines.
class alarm_journal {
 public:
  // Ids remembered for de-duplication and lines kept for the API (at most
  // so many, and so many bytes: alarm lines may be up to alarm_max_bytes).
  static constexpr std::size_t k_remembered = 100'000;
  static constexpr std::size_t k_kept_lines = 10'000;
  static constexpr std::size_t k_kept_bytes = 16u << 20;

  alarm_journal(std::filesystem::path path, bool fsync, group_commit::error_sink on_sync_error,
                journal_limits limits = {});
  ~alarm_journal();

  // Opens (creating the directory and file) and reads the tail.
  [[nodiscard]] result<void> open();

  // Appends `a` unless its (node, id) was seen. Returns the new entry,
  // nullopt for a duplicate, an error when the journal cannot be written.
  // A failed rotation is logged and the current file grows on.
  [[nodiscard]] result<std::optional<journal_entry>> append(const protocol::alarm& a,
                                                            std::uint64_t received_ms);

  // Runs `a` once every line appended so far is on disk (at once without
  // fsync: the kernel has the lines, which outlive a crash of the process).
  void after_durable(group_commit::action a);

  // Entries with received_ms >= since_ms (at most `limit`, oldest first).
  std::vector<journal_entry> since(std::uint64_t since_ms, std::size_t limit) const;
  // Entries with seq > after_seq; waits up to `timeout` for one to appear.
  std::vector<journal_entry> wait_for_more(std::uint64_t after_seq,
                                           std::chrono::milliseconds timeout) const;
  std::uint64_t last_seq() const;
  // Rotated files, oldest first.
  std::vector<std::filesystem::path> rotated_files() const;
  // Runs what waits for durability, wakes every waiter (shutdown).
  void close();

 private:
  void remember(journal_entry entry, const std::string& key) REQUIRES(mu_);
  // Reads `file` from `offset` (skipping a partial first line when
  // offset > 0); returns whether its last line was torn.
  bool reload(const std::filesystem::path& file, std::uint64_t offset) REQUIRES(mu_);
  // Should a line of `bytes` start a new file?
  bool rotation_due(std::size_t bytes, std::uint64_t received_ms) const REQUIRES(mu_);
  // Renames the file and starts a new one.
  void rotate(std::uint64_t now_ms) REQUIRES(mu_);
  std::filesystem::path rotated_name(std::uint64_t ms) const;

  // Constant after construction
  const std::filesystem::path path_;
  const bool fsync_;
  const journal_limits limits_;
  group_commit commit_;

  mutable mutex mu_;
  mutable std::condition_variable_any grew_;
  unique_fd fd_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  std::uint64_t seq_ GUARDED_BY(mu_) = 0;
  std::uint64_t file_bytes_ GUARDED_BY(mu_) = 0;             // of the current file
  std::uint64_t file_first_ms_ GUARDED_BY(mu_) = 0;          // `received` of its first line
  std::uint64_t no_rotation_before_ms_ GUARDED_BY(mu_) = 0;  // after a failed rotation
  std::unordered_set<std::string> seen_ GUARDED_BY(mu_);     // "<node>/<id>"
  std::deque<std::string> seen_order_ GUARDED_BY(mu_);
  std::deque<journal_entry> lines_ GUARDED_BY(mu_);
  std::size_t lines_bytes_ GUARDED_BY(mu_) = 0;  // of lines_' JSON
};

}  // namespace peranda::master
