// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/fs/append_log.hpp"
#include "core/protocol/messages/file_confirmation.hpp"

namespace peranda::agent {

// One verified `complete`: which master stored spool file `spool_name`
// (announced as `file`, sent with `sha256`) in which store.
struct completion {
  std::string spool_name;
  std::string file;
  std::string sha256;
  std::string master;
  std::string store;
  std::uint64_t ts_ms = 0;
  bool operator==(const completion&) const = default;
};

// The agent's memory of the files masters completed
// (`<spool_dir>/state/completed.jsonl`): a record is on disk before its
// spool file is deleted, so (1) a crash between the two is finished at the
// next start (the file is deleted, not offered again), and (2) a master
// that stored a file without seeing this node delete it can ask who
// completed it (logs request `confirm`) and remove its copy when another
// store holds it. Keeps the newest `keep` records (older ones are answered
// `unknown`: the asking master keeps its copy). Not thread-safe: the
// uploader's thread only.
class completion_log {
 public:
  static constexpr std::size_t k_default_keep = 4096;

  // Unreadable records are skipped and counted (invalid()).
  [[nodiscard]] static result<completion_log> open(const std::filesystem::path& path,
                                                   std::size_t keep = k_default_keep);

  [[nodiscard]] result<void> record(completion c);

  // The spool files whose completion is recorded (one set, so that a
  // start-up check of every spool file is not files x records).
  std::set<std::string, std::less<>> completed_spool_names() const;
  // The answers to a master's `confirm`, given the spool's closed files
  // as that master knows them (wire names).
  std::vector<protocol::file_confirmation> answer(
      const std::vector<protocol::stored_file_ref>& asked,
      const std::vector<std::string>& pending_files) const;

  std::size_t size() const { return records_.size(); }
  std::size_t invalid() const { return invalid_; }

 private:
  completion_log(append_log log, std::size_t keep) : log_(std::move(log)), keep_(keep) {}
  const completion* find(std::string_view file, std::string_view sha256) const;

  append_log log_;
  std::size_t keep_;
  std::deque<completion> records_;  // oldest first
  std::size_t lines_ = 0;           // in the file, compacted at 2 x keep
  std::size_t invalid_ = 0;
};

}  // namespace peranda::agent
