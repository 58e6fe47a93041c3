// SPDX-License-Identifier: Apache-2.0
#include <cstdio>

#include "tools/ctl/commands.hpp"

namespace peranda::ctl {

result<void> print_nodes(const api_client& client, bool json) {
  auto body = client.get("/api/v1/nodes");
  if (!body) return std::unexpected(body.error());
  if (json) {
    std::printf("%s\n", body->dump(2).c_str());
    return {};
  }
  std::printf("%-24s %-16s %-20s %-8s %6s %10s %8s\n", "NODE", "IP", "HOSTNAME", "STATE", "QUEUE",
              "BACKLOG", "SEEN");
  for (const auto& n : (*body)["nodes"]) {
    auto seen_s = n.value("last_seen_ms_ago", 0) / 1000;
    std::string backlog =
        fmt::format("{}f/{}B", n["backlog"].value("files", 0), n["backlog"].value("bytes", 0));
    std::printf("%-24s %-16s %-20s %-8s %6d %10s %7llds%s\n", n.value("node", "").c_str(),
                n.value("ip", "").c_str(), n.value("hostname", "").c_str(),
                n.value("state", "").c_str(), n.value("queue", -1), backlog.c_str(),
                static_cast<long long>(seen_s),
                n.contains("conflict_machine_id") ? "  CONFLICT" : "");
  }
  return {};
}

}  // namespace peranda::ctl
