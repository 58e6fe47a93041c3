// SPDX-License-Identifier: Apache-2.0
#include <cstdio>

#include "tools/ctl/commands.hpp"

namespace peranda::ctl {

result<void> print_masters(const api_client& client, bool json) {
  auto body = client.get("/api/v1/masters");
  if (!body) return std::unexpected(body.error());
  if (json) {
    std::printf("%s\n", body->dump(2).c_str());
    return {};
  }
  std::printf("%-24s %8s %16s %-12s %10s %s\n", "MASTER", "NODES", "SESSION", "VERSION",
              "LAST BEAT", "");
  for (const auto& m : (*body)["masters"]) {
    std::printf("%-24s %8llu %16llu %-12s %9.1fs %s\n", m.value("id", "").c_str(),
                static_cast<unsigned long long>(m.value("nodes_owned", 0ull)),
                static_cast<unsigned long long>(m.value("session", 0ull)),
                m.value("version", "").c_str(), m.value("last_beat_age_s", 0.0),
                m.value("self", false) ? "(this one)" : "");
  }
  return {};
}

}  // namespace peranda::ctl
