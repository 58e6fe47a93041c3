// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda {

// Durable small-file helpers. "Durable" means the bytes and the directory
// entry are on disk (fsync of file and parent directory) when the call returns.

// Writes `bytes` to a temporary sibling, fsyncs it, renames it over `path` and
// fsyncs the directory: a reader sees the old content or the new, never a mix.
[[nodiscard]] result<void> write_file_atomic(const std::filesystem::path& path,
                                             std::string_view bytes);

// Reads a whole file (small files only: state, keys, password files).
[[nodiscard]] result<std::string> read_file(const std::filesystem::path& path);

[[nodiscard]] result<void> fsync_directory(const std::filesystem::path& dir);

// Renames `from` to `to` and fsyncs the parent directory of `to`.
[[nodiscard]] result<void> rename_durable(const std::filesystem::path& from,
                                          const std::filesystem::path& to);

// Creates `dir` and its parents (mode 0750 for new ones).
[[nodiscard]] result<void> ensure_directory(const std::filesystem::path& dir);

}  // namespace peranda
