// SPDX-License-Identifier: Apache-2.0
#include <fmt/chrono.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "tools/ctl/commands.hpp"

namespace peranda::ctl {
namespace {

// "ok", the codes of a degraded agent's reasons, or "-" when its agent
// does not report health.
std::string health_of(const nlohmann::json& n) {
  auto it = n.find("health");
  if (it == n.end() || !it->is_object()) return "-";
  std::string out;
  for (const auto& r : it->value("reasons", nlohmann::json::array())) {
    if (!out.empty()) out += ',';
    out += r.value("code", "?");
  }
  return out.empty() ? "ok" : out;
}

}  // namespace

result<void> print_nodes(const api_client& client, bool json) {
  auto body = client.get("/api/v1/nodes");
  if (!body) return std::unexpected(body.error());
  if (json) {
    std::printf("%s\n", body->dump(2).c_str());
    return {};
  }
  std::printf("%-24s %-16s %-20s %-8s %-16s %6s %10s %8s  %s\n", "NODE", "IP", "HOSTNAME",
              "STATE", "OWNER", "QUEUE", "BACKLOG", "SEEN", "HEALTH");
  for (const auto& n : (*body)["nodes"]) {
    auto seen_s = n.value("last_seen_ms_ago", 0) / 1000;
    std::string backlog =
        fmt::format("{}f/{}B", n["backlog"].value("files", 0), n["backlog"].value("bytes", 0));
    std::printf("%-24s %-16s %-20s %-8s %-16s %6d %10s %7llds  %s%s\n",
                n.value("node", "").c_str(), n.value("ip", "").c_str(),
                n.value("hostname", "").c_str(), n.value("state", "").c_str(),
                n.value("owner", "-").c_str(), n.value("queue", -1), backlog.c_str(),
                static_cast<long long>(seen_s), health_of(n).c_str(),
                n.contains("conflict_machine_id") ? "  CONFLICT" : "");
  }
  return {};
}

result<void> watch_nodes(const api_client& client, bool json, std::chrono::milliseconds every) {
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  for (;;) {
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    // Home, then clear: the new table replaces the old one without scrolling.
    if (terminal) std::fputs("\033[H\033[2J", stdout);
    std::printf("%s",
                fmt::format("{:%Y-%m-%d %H:%M:%S} UTC, every {} ms\n", now, every.count()).c_str());
    if (auto ok = print_nodes(client, json); !ok) {
      std::printf("error: %s\n", ok.error().message.c_str());
    }
    if (!terminal) std::printf("\n");
    std::fflush(stdout);
    std::this_thread::sleep_for(every);
  }
}

}  // namespace peranda::ctl
