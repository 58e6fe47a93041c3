// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

#include "core/compress/encoding.hpp"
#include "core/compress/zstd_stream.hpp"
#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda {

// Reads a stored or spooled log file, plain or zstd (by its `.zst` name or
// a given encoding), as the stream of its raw bytes, a piece at a time:
// memory stays bounded by two pieces whatever the file's size or ratio. Never more
// than `max_raw` raw bytes come out (more is an error). Not thread-safe.
class log_reader {
 public:
  [[nodiscard]] static result<log_reader> open(
      const std::filesystem::path& path, std::optional<encoding> enc = std::nullopt,
      std::uint64_t max_raw = std::numeric_limits<std::uint64_t>::max());

  // The next piece of raw bytes; empty at the end of the file.
  [[nodiscard]] result<std::string> next();
  encoding file_encoding() const { return encoding_; }

 private:
  log_reader(unique_fd fd, std::filesystem::path path, encoding enc, std::uint64_t max_raw);

  unique_fd fd_;
  std::filesystem::path path_;
  encoding encoding_;
  std::optional<zstd_decompressor> zstd_;
  std::string input_;     // read from the file, not decoded yet
  bool holding_ = false;  // the decoder filled a whole piece: it may hold more
  bool at_end_ = false;
};

// Every raw byte of a (plain or .zst) log file; for tests and small files.
[[nodiscard]] result<std::string> read_log_file(const std::filesystem::path& path);

}  // namespace peranda
