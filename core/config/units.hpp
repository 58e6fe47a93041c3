// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda {

// "500ms", "10s", "5m", "1h", "2d", and sums like "1m30s". Whole numbers only.
[[nodiscard]] result<std::chrono::milliseconds> parse_duration(std::string_view text);
// "512", "64KiB", "10MiB", "1GiB" (binary) or "10MB" (decimal).
[[nodiscard]] result<std::uint64_t> parse_bytes(std::string_view text);

// Shortest exact text for a duration ("90s" -> "1m30s"), for docs and logs.
[[nodiscard]] std::string format_duration(std::chrono::milliseconds d);
// Exact text for a size in its largest whole binary unit ("65536" -> "64KiB").
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

}  // namespace peranda
