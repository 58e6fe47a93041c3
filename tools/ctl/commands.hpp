// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "tools/ctl/api_client.hpp"

namespace peranda::ctl {

// `peranda-ctl nodes`: a table of nodes (or the API's JSON).
[[nodiscard]] result<void> print_nodes(const api_client& client, bool json);
// `peranda-ctl nodes --watch`: print_nodes() every `every` until killed. On
// a terminal the screen is cleared and the table redrawn in place; into a
// pipe or file each round is appended, headed by its UTC time. A round that
// fails prints its error and the watch goes on.
[[nodiscard]] result<void> watch_nodes(const api_client& client, bool json,
                                       std::chrono::milliseconds every);

// `peranda-ctl pull NODE [--wait]`: asks for a pull now; with `wait`, shows
// a progress bar until every file is stored (or the pull ends otherwise,
// which is an error), for at most `limit` (0: no limit; a pull waits while
// its node is offline, and the error then names the node's state).
[[nodiscard]] result<void> pull_node(const api_client& client, const std::string& node, bool wait,
                                     std::chrono::milliseconds limit, bool json);

// Asks for a pull of `node` now and waits until it is finished (at most
// `limit`, 0: no limit), showing progress on stderr: a bar with bytes, rate
// and ETA on a terminal, else (with `plain_lines`) a line per change. Returns the
// finished pull (`GET /api/v1/pulls/ID`), whatever its status.
[[nodiscard]] result<nlohmann::json> request_and_wait(const api_client& client,
                                                      const std::string& node,
                                                      std::chrono::milliseconds limit,
                                                      bool plain_lines);

// `peranda-ctl logs NODE ...`: a node's stored lines (GET .../logs).
struct logs_options {
  std::string node;
  std::optional<std::chrono::milliseconds> since;  // this long ago
  std::optional<std::chrono::milliseconds> until;  // this long ago
  std::string grep;
  std::size_t tail = 0;
  bool follow = false;
  bool fresh = false;  // pull first and wait for it
  std::chrono::milliseconds fresh_limit{0};
};
[[nodiscard]] result<void> print_logs(const api_client& client, const logs_options& o);

// `peranda-ctl alarms [--since MS] [--follow]`: recent alarms, or a stream.
[[nodiscard]] result<void> print_alarms(const api_client& client, std::uint64_t since, bool follow,
                                        bool json);

// `peranda-ctl masters`: the live masters, the nodes each owns, their last beat.
[[nodiscard]] result<void> print_masters(const api_client& client, bool json);

// `peranda-ctl transfers`: transfers in progress and the worker queues.
[[nodiscard]] result<void> print_transfers(const api_client& client, bool json);

}  // namespace peranda::ctl
