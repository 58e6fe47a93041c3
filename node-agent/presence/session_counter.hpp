// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/error.hpp"

namespace peranda::agent {

// Reads the start counter from `state_dir`/session, adds one (and never goes
// below the Unix time in seconds) and writes it
// back durably before returning it, so every process start has a session
// number larger than any Will the broker may still hold (DESIGN.md, bdSeq).
[[nodiscard]] result<std::uint64_t> next_session(const std::filesystem::path& state_dir);

}  // namespace peranda::agent
