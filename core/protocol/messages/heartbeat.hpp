// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace peranda::protocol {

enum class node_state { online, offline, lost };
std::string_view to_string(node_state s);

// Why a program is not healthy: `code` is stable and machine readable
// ([A-Za-z0-9_-]{1,64}), `text` says what and where (at most 256 characters).
struct health_reason {
  std::string code;
  std::string text;

  bool operator==(const health_reason&) const = default;
};

// nodes/{node}/heartbeat, retained. The Last Will carries the same document
// with state `lost`; `session` is the agent's start counter, so a late Will
// of an older session can be told from the current one.
struct heartbeat {
  std::string node;
  std::string machine_id;
  std::string ip;
  std::string hostname;
  node_state state = node_state::online;
  std::uint64_t session = 0;
  std::uint64_t seq = 0;
  std::uint64_t uptime_s = 0;
  std::string agent_version;
  std::uint64_t backlog_files = 0;
  std::uint64_t backlog_bytes = 0;
  std::map<std::string, std::uint64_t> counters;
  std::uint64_t ts_ms = 0;
  // The agent's own health, in `online` heartbeats of agents that report
  // it: empty when healthy. Unset: not reported (older agents, Will, stop).
  std::optional<std::vector<health_reason>> health;

  bool operator==(const heartbeat&) const = default;
};

// At most this many health reasons in a heartbeat.
inline constexpr std::size_t k_max_health_reasons = 8;

[[nodiscard]] std::string encode(const heartbeat& m);
[[nodiscard]] result<heartbeat> decode_heartbeat(std::string_view payload);

}  // namespace peranda::protocol
