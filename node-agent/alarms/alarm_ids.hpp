// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::agent {

// Alarm ids no other node can predict (so none can squat them, whatever
// the receiver's de-duplication), inside the id grammar [A-Za-z0-9_-]{1,64}.

// "a" and 128 bits from the OS's random source as 32 hex digits.
[[nodiscard]] result<std::string> random_alarm_id();

// The agent's secret for line ids: 128 random bits kept in `file` (created
// on first use, written atomically, then mode 0600), so a line read
// again after a crash keeps its id while its outbox survives.
[[nodiscard]] result<std::string> load_or_create_id_key(const std::filesystem::path& file);

// "f" and 40 hex digits of SHA-256(key, what identifies the line): the same
// line gets the same id, and without the key nobody can compute it.
[[nodiscard]] std::string line_alarm_id(std::string_view key, std::string_view line_key);

}  // namespace peranda::agent
