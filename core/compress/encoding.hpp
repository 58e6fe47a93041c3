// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace peranda {

// How a log file's bytes are encoded on disk and on the wire.
enum class encoding { plain, zstd };

std::string_view to_string(encoding e);
std::optional<encoding> parse_encoding(std::string_view text);

inline constexpr std::string_view k_zstd_suffix = ".zst";

// A file's encoding by its name: `.zst` is zstd, anything else plain.
encoding encoding_of(std::string_view file_name);
// `file_name` without its `.zst` (the name of the decompressed file).
std::string plain_name(std::string_view file_name);

}  // namespace peranda
