// SPDX-License-Identifier: Apache-2.0
#include <httplib.h>

#include <cstdio>

#include "core/util/clock.hpp"
#include "tools/ctl/commands.hpp"

namespace peranda::ctl {

result<void> print_logs(const api_client& client, const logs_options& o) {
  if (o.fresh) {
    auto pulled = request_and_wait(client, o.node, o.fresh_limit, true);
    if (!pulled) return std::unexpected(pulled.error());
    auto status = pulled->value("status", "");
    if (status != "done" && status != "empty") {
      return failf("--fresh: the pull of {} ended '{}': {}", o.node, status,
                   pulled->value("reason", ""));
    }
  }
  auto now = wall_clock_ms();
  httplib::Params params;
  if (o.since) params.emplace("since", std::to_string(now - std::min<std::uint64_t>(now, o.since->count())));
  if (o.until) params.emplace("until", std::to_string(now - std::min<std::uint64_t>(now, o.until->count())));
  if (!o.grep.empty()) params.emplace("grep", o.grep);
  if (o.tail > 0) params.emplace("tail", std::to_string(o.tail));
  if (o.follow) params.emplace("follow", "1");
  auto path = httplib::append_query_params("/api/v1/nodes/" + o.node + "/logs", params);
  return client.stream(path, [](std::string_view data) {
    std::fwrite(data.data(), 1, data.size(), stdout);
    std::fflush(stdout);
    return true;
  });
}

}  // namespace peranda::ctl
