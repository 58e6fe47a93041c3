// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace peranda::test {

// Every record line in an agent's spool folder (`<spool_dir>/files`), in
// spool order: closed files by name (`.zst` ones decompressed), then
// active.log. The compressed copy of active.log being written (`.part`)
// holds the same lines and is skipped, as is a committed `active.log.zst`
// while active.log still exists (the next start removes one of the two).
std::vector<std::string> spool_records(const std::filesystem::path& spool_files);

}  // namespace peranda::test
