// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace peranda::master {

// The time (Unix ms) a spool record starts with: `YYYY-MM-DDTHH:MM:SS`,
// optional `.` and 1-9 digits of fraction, then `Z` and a space or the end
// (docs/agent.md, "Spool"). nullopt for a line without one.
std::optional<std::uint64_t> record_time_ms(std::string_view line);

}  // namespace peranda::master
