// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/protocol/messages/upload_begin.hpp"

namespace peranda::master {

// Why received compressed bytes are not the lines the manifest announced:
// `label` a constant (metrics), `reason` for the node's `rejected` ack.
struct decode_failure {
  std::string label;
  std::string reason;
};

// Decompresses the received zstd file `part` as a stream and checks it
// yields exactly the manifest's raw_size bytes with raw_sha256. Never
// produces more than raw_size bytes (a bomb stops there) nor holds more
// than one piece in memory. With `plain_out`, the lines are also written
// there and fsynced (the file is removed again on failure).
[[nodiscard]] std::optional<decode_failure> verify_compressed(
    const std::filesystem::path& part, const protocol::upload_begin& m,
    const std::optional<std::filesystem::path>& plain_out);

}  // namespace peranda::master
