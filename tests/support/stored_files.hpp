// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace peranda::test {

// The files a master stored below its data_dir: every regular file but
// `.part` files and the alarm journal.
std::vector<std::filesystem::path> stored_files(const std::filesystem::path& data_dir);

// The whole content of `path` ("" if it cannot be read); a `.zst` file
// decompressed (what the agent spooled).
std::string read_all(const std::filesystem::path& path);

}  // namespace peranda::test
