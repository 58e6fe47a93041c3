// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda {

// A file name that is safe as one path component on every host: 1–128 of
// [A-Za-z0-9._-], not starting with '.', so never "..", never hidden, never a
// separator. Spool files and stored files use only such names.
[[nodiscard]] bool is_safe_file_name(std::string_view name);

// Replaces every character outside [A-Za-z0-9._-] with '_' and strips leading
// dots; empty input becomes "_". The result passes is_safe_file_name.
[[nodiscard]] std::string sanitize_file_name(std::string_view name);

// `base / relative`, lexically normalised, proven to stay inside `base`
// (no "..", no absolute part). Symlinks are not followed here: callers create
// the directories themselves.
[[nodiscard]] result<std::filesystem::path> join_inside(const std::filesystem::path& base,
                                                        const std::filesystem::path& relative);

}  // namespace peranda
