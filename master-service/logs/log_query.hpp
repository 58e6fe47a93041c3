// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace peranda::master {

// What `GET /api/v1/nodes/{node}/logs` asks for, validated.
struct log_query {
  // Longest `grep` pattern, and the memory its compiled program may take:
  // a client cannot make the master build a huge automaton.
  static constexpr std::size_t k_max_grep_bytes = 512;
  static constexpr std::int64_t k_grep_max_mem = 4 * 1024 * 1024;
  static constexpr std::size_t k_max_tail = 10'000;
  // What a tail holds at most while it is gathered; older lines give way.
  static constexpr std::size_t k_max_tail_bytes = 16 * 1024 * 1024;

  std::uint64_t since_ms = 0;             // lines at or after (Unix ms)
  std::optional<std::uint64_t> until_ms;  // lines at or before
  std::shared_ptr<const re2::RE2> grep;   // searched anywhere in a line
  std::size_t tail = 0;                   // only the last N lines (0: all)
  bool follow = false;                    // then new files as they are stored

  bool in_time(std::uint64_t ms) const { return ms >= since_ms && (!until_ms || ms <= *until_ms); }
  bool matches(std::string_view line) const { return !grep || re2::RE2::PartialMatch(line, *grep); }
};

// A query parameter's value, nullopt when absent.
using param_lookup = std::function<std::optional<std::string>(const char* name)>;

// Parses and checks `since`, `until` (Unix ms), `grep` (RE2, at most
// k_max_grep_bytes, compiled within k_grep_max_mem), `tail` (1 to
// k_max_tail) and `follow` (`1` or `0`; not with `until`). The error names
// the parameter and why.
[[nodiscard]] result<log_query> parse_log_query(const param_lookup& param);

}  // namespace peranda::master
