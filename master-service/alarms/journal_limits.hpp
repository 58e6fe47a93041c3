// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>

namespace peranda::master {

// When the journal file is rotated, and how many rotated files are kept.
struct journal_limits {
  // A line that would take the file past this starts a new file.
  std::uint64_t max_bytes = 64ull << 20;
  // A file whose first line is this old is rotated at the next alarm.
  std::chrono::milliseconds max_age{std::chrono::hours(24)};
  // Rotated files kept (>= 1); the oldest beyond are deleted.
  unsigned keep = 10;
};

}  // namespace peranda::master
