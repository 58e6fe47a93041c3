// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <cstdio>

#include "core/util/clock.hpp"
#include "tools/ctl/commands.hpp"

namespace peranda::ctl {
namespace {

// Bytes stored and announced so far: finished files plus the transfers in
// flight for this request.
std::pair<std::uint64_t, std::uint64_t> progress_of(const nlohmann::json& pull,
                                                    const nlohmann::json& transfers) {
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  for (const auto& [name, f] : pull["files"].items()) {
    done += f.value("size", std::uint64_t{0});
    total += f.value("size", std::uint64_t{0});
  }
  for (const auto& t : transfers["transfers"]) {
    if (t.value("request_id", "") != pull.value("request_id", "")) continue;
    done += t.value("bytes_received", std::uint64_t{0});
    total += t.value("size", std::uint64_t{0});
  }
  return {done, total};
}

void draw_bar(const nlohmann::json& pull, std::uint64_t done, std::uint64_t total) {
  constexpr int k_width = 30;
  double fraction = total == 0 ? 0.0 : static_cast<double>(done) / static_cast<double>(total);
  int filled = static_cast<int>(fraction * k_width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(k_width, '.');
  std::fprintf(stderr, "\r%-10s [%s] %3d%%  %llu/%llu bytes  %zu file(s)",
               pull.value("status", "").c_str(), bar.c_str(), static_cast<int>(fraction * 100),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               pull["files"].size());
}

}  // namespace

result<void> pull_node(const api_client& client, const std::string& node, bool wait,
                       std::chrono::milliseconds limit, bool json) {
  auto started = client.post("/api/v1/nodes/" + node + "/pull");
  if (!started) return std::unexpected(started.error());
  auto id = started->value("request_id", "");
  if (!wait) {
    if (json)
      std::printf("%s\n", started->dump(2).c_str());
    else
      std::printf("pull of %s requested: %s\n", node.c_str(), id.c_str());
    return {};
  }
  bool tty = ::isatty(2) != 0;
  auto deadline = std::chrono::steady_clock::now() + limit;
  nlohmann::json pull;
  while (true) {
    auto p = client.get("/api/v1/pulls/" + id);
    if (!p) return std::unexpected(p.error());
    pull = std::move(*p);
    if (tty) {
      auto transfers = client.get("/api/v1/transfers");
      if (!transfers) return std::unexpected(transfers.error());
      auto [done, total] = progress_of(pull, *transfers);
      draw_bar(pull, done, total);
    }
    if (pull.value("finished", false)) break;
    if (limit.count() > 0 && std::chrono::steady_clock::now() >= deadline) {
      if (tty) std::fputc('\n', stderr);
      auto n = client.get("/api/v1/nodes/" + node);
      return failf("pull {} of {} still '{}' after {} ms (node state: {}); it goes on in the master",
                   id, node, pull.value("status", ""), limit.count(),
                   n ? n->value("state", "?") : n.error().message);
    }
    wait_or_stop(std::stop_token{}, std::chrono::milliseconds(200));  // refresh rate
  }
  if (tty) std::fputc('\n', stderr);
  if (json) {
    std::printf("%s\n", pull.dump(2).c_str());
  } else {
    for (const auto& [name, f] : pull["files"].items()) {
      std::printf("%-40s %-8s %12llu bytes%s%s\n", name.c_str(),
                  f.value("stored", false) ? "stored" : "REJECTED",
                  static_cast<unsigned long long>(f.value("size", std::uint64_t{0})),
                  f.value("reason", "").empty() ? "" : "  ", f.value("reason", "").c_str());
    }
  }
  auto status = pull.value("status", "");
  if (status == "empty") {
    if (!json) std::printf("%s had nothing to upload\n", node.c_str());
    return {};
  }
  if (status != "done") {
    return failf("pull {} of {} ended '{}': {}", id, node, status, pull.value("reason", ""));
  }
  for (const auto& [name, f] : pull["files"].items()) {
    if (!f.value("stored", false))
      return failf("'{}' was not stored: {}", name, f.value("reason", ""));
  }
  return {};
}

}  // namespace peranda::ctl
