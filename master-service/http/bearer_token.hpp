// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::master {

// Shortest token the API accepts; a shorter one is refused at load.
inline constexpr std::size_t k_min_token_length = 16;

// Who may own the token file. The master requires itself or root: a file
// another user owns (or could rewrite) would let that user in. peranda-ctl,
// which only sends the token to the master of the same config, accepts any
// owner so that root or a group member can run it.
enum class token_file_owner { this_user_or_root, anyone };

// Reads the API token: the first line of `path`, at least
// k_min_token_length visible ASCII characters without spaces. The file must
// be a regular file, not a symlink (opened with O_NOFOLLOW), not writable by
// group or others and not readable by others (group-readable is allowed, for
// a group of operators running peranda-ctl). Errors name the file and say
// how to fix it.
[[nodiscard]] result<std::string> read_token_file(const std::filesystem::path& path,
                                                  token_file_owner owner);

// `Authorization: Bearer <token>` compared with `expected` in time that does
// not depend on where they differ or on their lengths.
bool bearer_matches(std::string_view authorization, std::string_view expected);

}  // namespace peranda::master
