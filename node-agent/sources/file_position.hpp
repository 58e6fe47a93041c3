// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/fs/record_file.hpp"
#include "core/util/mutex.hpp"
#include "node-agent/spool/spool.hpp"

namespace peranda::agent {

// A batch of lines on its way into the spool: it ends at source offset
// `end` (a journal source: it holds `end` entries), and the spool's end was
// at `mark` before it was appended. Saved
// before the append and cleared after it, so a restart can tell how much of
// the batch reached the spool (spool::records_since).
struct pending_batch {
  std::uint64_t end = 0;
  spool_mark mark;

  bool operator==(const pending_batch&) const = default;
};

// Which file a file source is reading and how far: (device, inode) plus a
// hash of its first bytes (inodes are reused), and the offset after the
// last whole line delivered.
struct file_position {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t fingerprint_len = 0;  // bytes hashed: min(size, k_fingerprint_bytes)
  std::string fingerprint;            // sha256 hex of those bytes
  std::uint64_t offset = 0;
  // When the agent first saw this file (ms): with dev and ino it names the
  // file for alarm ids, even if the inode is reused later.
  std::uint64_t generation = 0;
  std::optional<pending_batch> pending;

  static constexpr std::uint64_t k_fingerprint_bytes = 256;

  bool operator==(const file_position&) const = default;
};

// How far a journal source is: the cursor of the last entry delivered (the
// last of an event; empty: none yet, so read from the journal's head).
struct journal_position {
  std::string cursor;
  std::optional<pending_batch> pending;

  bool operator==(const journal_position&) const = default;
};

// Hash of the first `len` bytes of `fd`; nullopt if it has fewer.
[[nodiscard]] std::optional<std::string> fingerprint_of(int fd, std::uint64_t len);

// Do the first bytes under `fd` still hash to `p`'s fingerprint? (True
// when none were recorded: an empty file matches anything.)
[[nodiscard]] bool fingerprint_matches(int fd, const file_position& p);

// Persisted positions, one small record file per source under `dir`
// (`<source>.position` for files, `<source>.cursor` for journals),
// overwritten in place: durable (fdatasync) when saved without a pending
// batch; with one, only safe against a crash of the process, as the
// durable save follows at once. Thread-safe (each source only touches its
// own file). Virtual for fault injection.
class position_store {
 public:
  explicit position_store(std::filesystem::path dir) : dir_(std::move(dir)) {}
  virtual ~position_store() = default;
  position_store(const position_store&) = delete;
  position_store& operator=(const position_store&) = delete;

  // nullopt: never saved (first start). An unreadable file is an error.
  [[nodiscard]] result<std::optional<file_position>> load(const std::string& source) const;
  [[nodiscard]] virtual result<void> save(const std::string& source,
                                          const file_position& pos) const;
  // The same for journal sources (`<source>.cursor`).
  [[nodiscard]] result<std::optional<journal_position>> load_journal(
      const std::string& source) const;
  [[nodiscard]] virtual result<void> save_journal(const std::string& source,
                                                  const journal_position& pos) const;

 private:
  // The open record file `name`, created on first use.
  record_file& file_of(const std::string& name) const;

  // Constant after construction
  const std::filesystem::path dir_;

  mutable mutex mu_;
  // The map only: each record_file is used by its source only.
  mutable std::map<std::string, std::unique_ptr<record_file>, std::less<>> files_ GUARDED_BY(mu_);
};

}  // namespace peranda::agent
