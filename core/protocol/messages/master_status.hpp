// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/protocol/messages/heartbeat.hpp"

namespace peranda::protocol {

// masters/{master}/status, retained, with a Last Will of state `lost`: lets
// agents ignore requests from a master that is gone, and later lets masters
// share nodes among the live ones.
struct master_status {
  std::string master_id;
  node_state state = node_state::online;
  std::uint64_t session = 0;
  std::string version;
  std::uint64_t ts_ms = 0;

  bool operator==(const master_status&) const = default;
};

[[nodiscard]] std::string encode(const master_status& m);
[[nodiscard]] result<master_status> decode_master_status(std::string_view payload);

}  // namespace peranda::protocol
