// SPDX-License-Identifier: Apache-2.0
#include <cstdio>

#include "tools/ctl/commands.hpp"

namespace peranda::ctl {

result<void> print_transfers(const api_client& client, bool json) {
  auto body = client.get("/api/v1/transfers");
  if (!body) return std::unexpected(body.error());
  if (json) {
    std::printf("%s\n", body->dump(2).c_str());
    return {};
  }
  std::printf("%-20s %-24s %-28s %14s %6s %8s\n", "NODE", "TRANSFER", "FILE", "BYTES", "DONE",
              "IDLE");
  for (const auto& t : (*body)["transfers"]) {
    auto size = t.value("size", std::uint64_t{0});
    auto got = t.value("bytes_received", std::uint64_t{0});
    std::printf("%-20s %-24s %-28s %14llu %5llu%% %7llds\n", t.value("node", "").c_str(),
                t.value("transfer_id", "").c_str(), t.value("file", "").c_str(),
                static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(size == 0 ? 100 : got * 100 / size),
                static_cast<long long>(t.value("idle_ms", 0) / 1000));
  }
  std::printf("\n%-6s %7s %9s\n", "QUEUE", "NODES", "LAG");
  for (const auto& q : (*body)["queues"]) {
    std::printf("%-6d %7zu %8.1fs\n", q.value("queue", 0), q["nodes"].size(),
                q.value("lag_s", 0.0));
  }
  return {};
}

}  // namespace peranda::ctl
