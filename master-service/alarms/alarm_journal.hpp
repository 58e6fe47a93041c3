// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "master-service/alarms/group_commit.hpp"

namespace peranda::master {

// One journal line: the alarm's JSON plus `received` (master's clock, ms).
struct journal_entry {
  std::uint64_t seq = 0;  // position since this process started; for follow
  std::uint64_t received_ms = 0;
  std::string json;  // one line, no newline
};

// The alarm journal: JSON lines appended once per alarm id (QoS-1
// redeliveries and agent resends are dropped); with `fsync` on, what waits
// for a line to be durable runs after a group commit covering it. On open, the tail of the file rebuilds the set of seen ids and the
// in-memory window the API serves, so de-duplication survives a restart.
// Thread-safe; wait_for_more() lets HTTP followers block for new lines.
class alarm_journal {
 public:
  // Ids remembered for de-duplication and lines kept for the API.
  static constexpr std::size_t k_remembered = 100'000;
  static constexpr std::size_t k_kept_lines = 10'000;

  alarm_journal(std::filesystem::path path, bool fsync, group_commit::error_sink on_sync_error);
  ~alarm_journal();

  // Opens (creating the directory and file) and reads the tail.
  [[nodiscard]] result<void> open();

  // Appends `a` unless its id was seen. Returns the new entry, nullopt for
  // a duplicate, an error when the journal cannot be written.
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
  // Runs what waits for durability, wakes every waiter (shutdown).
  void close();

 private:
  // REQUIRES: mu_ is held.
  void remember(journal_entry entry, const std::string& id);

  // Constant after construction
  const std::filesystem::path path_;
  const bool fsync_;
  group_commit commit_;

  // Guarded by mu_
  mutable std::mutex mu_;
  mutable std::condition_variable grew_;
  int fd_ = -1;
  bool closed_ = false;
  std::uint64_t seq_ = 0;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> seen_order_;
  std::deque<journal_entry> lines_;
};

}  // namespace peranda::master
