// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace peranda::master {

// Reads one stored file line by line, whatever its encoding on disk. The
// logs API reads every stored file through this interface only, so a
// compressed format is one more implementation chosen in
// open_line_reader(). Not thread-safe; one reader per file and stream.
class line_reader {
 public:
  // A line longer than this is cut to it (the rest up to its newline is
  // skipped): a stored file's line costs a stream at most this much memory.
  static constexpr std::size_t k_max_line_bytes = 1024 * 1024;

  virtual ~line_reader() = default;

  // The next line, without its '\n', in `line`; false at the end of the
  // file (a last line without '\n' is still returned).
  [[nodiscard]] virtual result<bool> next(std::string& line) = 0;
};

// The reader for `path`: plain, or zstd when its name ends in `.zst`
// (decoded as a stream, memory bounded whatever its ratio); the one place
// that decides how a stored file is decoded.
[[nodiscard]] result<std::unique_ptr<line_reader>> open_line_reader(
    const std::filesystem::path& path);

}  // namespace peranda::master
