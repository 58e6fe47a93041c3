// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/protocol/messages/heartbeat.hpp"

namespace peranda::protocol {

// Bounds of a master's announced beat interval (`beat_ms`).
inline constexpr std::uint64_t k_min_beat_ms = 500;
inline constexpr std::uint64_t k_max_beat_ms = 600'000;

// masters/{master}/status, retained, with a Last Will of state `lost`: lets
// agents ignore requests from a master that is gone, and lets masters share
// nodes among the live ones. A master publishes it again every `beat_ms`
// (its beat); one whose beats stop is gone after 1.5 beats even if no Will
// comes (masters_view). 0: a master that does not beat (before 0.x).
struct master_status {
  std::string master_id;
  node_state state = node_state::online;
  std::uint64_t session = 0;
  std::string version;
  std::uint64_t ts_ms = 0;
  std::uint64_t beat_ms = 0;

  bool operator==(const master_status&) const = default;
};

[[nodiscard]] std::string encode(const master_status& m);
[[nodiscard]] result<master_status> decode_master_status(std::string_view payload);

}  // namespace peranda::protocol
