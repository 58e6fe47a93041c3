// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

#include "core/compress/encoding.hpp"
#include "core/error.hpp"

namespace peranda {

// A log file's bytes as stored (`size`, `sha256`) and as raw lines
// (`raw_size`, `raw_sha256`; the same for a plain file).
struct file_digests {
  std::uint64_t size = 0;
  std::string sha256;
  std::uint64_t raw_size = 0;
  std::string raw_sha256;
};

// Both digests of `path` in one read; decoding (zstd) refuses to produce
// more than `max_raw` raw bytes. When `raw_out` is open, the raw bytes are
// also written to it (to keep a decompressed copy without a second pass).
[[nodiscard]] result<file_digests> digest_log_file(
    const std::filesystem::path& path, encoding enc,
    std::uint64_t max_raw = std::numeric_limits<std::uint64_t>::max(), int raw_out = -1);

}  // namespace peranda
