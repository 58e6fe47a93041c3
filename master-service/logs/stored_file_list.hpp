// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "master-service/storage/storage_layout.hpp"

namespace peranda::master {

// One stored file of a node, as the logs API sees it.
struct stored_file {
  std::filesystem::path path;
  std::uint64_t size = 0;
  // When its lines end: the close time an agent's spool name carries
  // (`spool-<ms>-<n>.log`, also with `.<sha12>` or other suffixes), else
  // the file's modification time (when the master stored it).
  std::uint64_t time_ms = 0;
};

// The time a stored file's name carries, if it is a spool name.
std::optional<std::uint64_t> spool_name_time_ms(std::string_view name);

// Every stored file of `node` (regular files, no partial or hidden ones),
// oldest first: by time_ms, then path.
std::vector<stored_file> list_stored_files(const storage_layout& layout, std::string_view node);

}  // namespace peranda::master
