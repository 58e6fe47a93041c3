// SPDX-License-Identifier: Apache-2.0
// The rules of peranda's mosquitto plugin, without mosquitto: which client
// ids a user may connect with, and which retained publishes a user may make.
// Pure functions of their arguments (thread-safe, no I/O), so they are unit
// tested here and the plugin glue (peranda_broker_plugin.cpp) only adapts
// mosquitto's events to them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace peranda::broker {

// Client ids: `<user>` or `<user>:<anything>`. ':' is outside the id grammar
// shared by node, master and edge user names ([A-Za-z0-9][A-Za-z0-9._-]*),
// so the id of one user can never be the id of another, whatever the names:
// `node-b:alarms` belongs to node-b only, while the old `node-b-alarms` could
// itself have been a user name.
[[nodiscard]] bool client_id_allowed(std::string_view user, std::string_view client_id);

// The largest retained payload accepted: the protocol's JSON size limit
// (docs/protocol.md, "JSON messages"); heartbeats and status are JSON.
inline constexpr std::size_t k_max_retained_bytes = 64 * 1024;

// Constant after the plugin's start.
struct retain_policy {
  std::string topic_root = "peranda/v1";
  // Users that relay other nodes' heartbeats (edge brokers' bridges).
  std::vector<std::string> edge_users;
};

// Whether `user` may publish a retained message of `payload_bytes` on
// `topic`. Allowed: an empty payload anywhere (it deletes a retained
// message, storing nothing), and up to k_max_retained_bytes on the user's own
// heartbeat `R/nodes/<user>/heartbeat`, its own master status
// `R/masters/<user>/status` and its own bridge state
// `R/bridges/<user>/state`; an edge user also on `R/nodes/<any>/heartbeat`.
// The ACL file still decides whether the user may write the topic at all.
[[nodiscard]] bool retain_allowed(const retain_policy& policy, std::string_view user,
                                  std::string_view topic, std::size_t payload_bytes);

// Builds the policy from the plugin's `plugin_opt_<key> <value>` lines:
// `topic_root` (no wildcards, no leading or trailing '/') and `edge_users`
// (names separated by spaces or commas). An unknown key or a bad value is an
// error naming it, so a typo cannot silently weaken the broker.
[[nodiscard]] std::expected<retain_policy, std::string> parse_options(
    const std::vector<std::pair<std::string, std::string>>& options);

// `text` cut to 64 bytes with every byte outside [A-Za-z0-9._:-] replaced by
// '?': user names and client ids are logged before the password is checked.
[[nodiscard]] std::string printable(std::string_view text);

// Whether the `count`-th occurrence of an event is logged: 1, 10, 100, ...,
// so a flood costs a handful of log lines, each with the count so far.
[[nodiscard]] bool log_this_occurrence(std::uint64_t count);

}  // namespace peranda::broker
