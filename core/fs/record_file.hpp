// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string_view>

#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda {

// One small record (e.g. a read position) rewritten in place at offset 0,
// space-padded to whole 512-byte sectors so the file never shrinks or grows
// once written: a save is a pwrite (+ fdatasync when durable), where a
// write-to-temporary-and-rename costs a create, a rename and two more
// fsyncs (docs/benchmarks.md). PostgreSQL keeps pg_control within 512
// bytes for the same reason: a single-sector write is not torn by a crash.
// Readers read the whole file and ignore the trailing spaces (JSON does).
// Not thread-safe: one writer.
class record_file {
 public:
  explicit record_file(std::filesystem::path path) : path_(std::move(path)) {}
  record_file(const record_file&) = delete;
  record_file& operator=(const record_file&) = delete;

  // The first write creates the file (and its folder, if missing) and keeps
  // it open. Durable: the record and (for a file this call created) its
  // directory entry are on disk when it returns. Otherwise it only survives a crash
  // of the process, for state a durable write follows within milliseconds.
  [[nodiscard]] result<void> write(std::string_view record, bool durable);

  static constexpr std::size_t k_sector = 512;

 private:
  result<void> open();

  const std::filesystem::path path_;
  unique_fd fd_;
  std::size_t size_ = 0;     // of the file as last written
  bool dir_synced_ = false;  // the directory entry is durable
};

}  // namespace peranda
