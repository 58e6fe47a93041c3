// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::protocol {

enum class severity { critical, error, warning, info };
std::string_view to_string(severity s);
[[nodiscard]] result<severity> parse_severity(std::string_view name);

// nodes/{node}/alarm, QoS 1, not retained. `id` is unique per alarm so a
// receiver can drop QoS-1 redeliveries; `suppressed` counts the matches the
// rule's cooldown swallowed since the previous alarm of this rule.
struct alarm {
  static constexpr std::size_t k_max_line = 4096;

  std::string id;
  std::string node;
  std::string rule;
  severity level = severity::warning;
  std::string source;
  std::string line;
  std::uint64_t offset = 0;
  std::uint64_t suppressed = 0;
  std::uint64_t ts_ms = 0;

  bool operator==(const alarm&) const = default;
};

[[nodiscard]] std::string encode(const alarm& m);
[[nodiscard]] result<alarm> decode_alarm(std::string_view payload);

}  // namespace peranda::protocol
