// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace peranda::master {

// The id of the store `data_dir` (`<data_dir>/.peranda-store-id`, 32 hex
// digits), created by the first master that uses it. Masters sharing one
// data_dir share the id: a `complete` names it, so a master that finds its
// node's file completed by another store (not by a master sharing its own)
// knows its own copy is a second one.
[[nodiscard]] result<std::string> load_or_create_store_id(const std::filesystem::path& data_dir);

}  // namespace peranda::master
