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

std::string human_bytes(double n) {
  constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t i = 0;
  while (n >= 1024 && i + 1 < std::size(k_units)) {
    n /= 1024;
    ++i;
  }
  return i == 0 ? fmt::format("{:.0f} {}", n, k_units[i]) : fmt::format("{:.1f} {}", n, k_units[i]);
}

// What the bar and the plain lines show: bytes, rate since the first
// byte, and the time left at that rate.
struct progress {
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  double rate = 0;  // bytes per second
  std::string eta() const {
    if (rate <= 0 || total <= done) return "--:--";
    auto s = static_cast<long long>(static_cast<double>(total - done) / rate);
    return fmt::format("{:02}:{:02}", s / 60, s % 60);
  }
};

void draw_bar(const nlohmann::json& pull, const progress& p) {
  constexpr int k_width = 24;
  double fraction =
      p.total == 0 ? 0.0 : static_cast<double>(p.done) / static_cast<double>(p.total);
  std::string bar(static_cast<std::size_t>(fraction * k_width), '#');
  bar.resize(k_width, '.');
  // \x1b[K clears what a longer previous line left.
  std::fprintf(stderr, "\r%-9s [%s] %3d%%  %s/%s  %s/s  ETA %s  %zu file(s)\x1b[K",
               pull.value("status", "").c_str(), bar.c_str(), static_cast<int>(fraction * 100),
               human_bytes(static_cast<double>(p.done)).c_str(),
               human_bytes(static_cast<double>(p.total)).c_str(), human_bytes(p.rate).c_str(),
               p.eta().c_str(), pull["files"].size());
}

std::string plain_line(const nlohmann::json& pull, const progress& p) {
  return fmt::format("pull {}: {}, {} of {} bytes, {} file(s) stored, {}/s, ETA {}",
                     pull.value("request_id", ""), pull.value("status", ""), p.done, p.total,
                     pull["files"].size(), human_bytes(p.rate), p.eta());
}

}  // namespace

result<nlohmann::json> request_and_wait(const api_client& client, const std::string& node,
                                        std::chrono::milliseconds limit, bool plain_lines) {
  auto started = client.post("/api/v1/nodes/" + node + "/pull");
  if (!started) return std::unexpected(started.error());
  auto id = started->value("request_id", "");
  bool tty = ::isatty(2) != 0;
  auto begin = std::chrono::steady_clock::now();
  auto deadline = begin + limit;
  std::optional<std::chrono::steady_clock::time_point> first_byte;
  std::string last_plain;
  nlohmann::json pull;
  while (true) {
    auto p = client.get("/api/v1/pulls/" + id);
    if (!p) return std::unexpected(p.error());
    pull = std::move(*p);
    auto transfers = client.get("/api/v1/transfers");
    if (!transfers) return std::unexpected(transfers.error());
    progress shown;
    std::tie(shown.done, shown.total) = progress_of(pull, *transfers);
    auto now = std::chrono::steady_clock::now();
    if (shown.done > 0 && !first_byte) first_byte = now;
    if (first_byte && now > *first_byte) {
      shown.rate = static_cast<double>(shown.done) /
                   std::chrono::duration<double>(now - *first_byte).count();
    }
    if (tty) {
      draw_bar(pull, shown);
    } else if (plain_lines) {
      // A line when something changed, not one per poll (rate and ETA
      // alone do not count).
      auto key = fmt::format("{} {} {} {}", pull.value("status", ""), shown.done, shown.total,
                             pull["files"].size());
      if (key != last_plain) {
        std::fprintf(stderr, "%s\n", plain_line(pull, shown).c_str());
        last_plain = key;
      }
    }
    if (pull.value("finished", false)) break;
    if (limit.count() > 0 && now >= deadline) {
      if (tty) std::fputc('\n', stderr);
      auto n = client.get("/api/v1/nodes/" + node);
      return failf("pull {} of {} still '{}' after {} ms (node state: {}); it goes on in the master",
                   id, node, pull.value("status", ""), limit.count(),
                   n ? n->value("state", "?") : n.error().message);
    }
    wait_or_stop(std::stop_token{}, std::chrono::milliseconds(200));  // refresh rate
  }
  if (tty) std::fputc('\n', stderr);
  return pull;
}

result<void> pull_node(const api_client& client, const std::string& node, bool wait,
                       std::chrono::milliseconds limit, bool json) {
  if (!wait) {
    auto started = client.post("/api/v1/nodes/" + node + "/pull");
    if (!started) return std::unexpected(started.error());
    if (json)
      std::printf("%s\n", started->dump(2).c_str());
    else
      std::printf("pull of %s requested: %s\n", node.c_str(), started->value("request_id", "").c_str());
    return {};
  }
  auto finished = request_and_wait(client, node, limit, !json);
  if (!finished) return std::unexpected(finished.error());
  const auto& pull = *finished;
  auto id = pull.value("request_id", "");
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
