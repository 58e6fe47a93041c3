// SPDX-License-Identifier: Apache-2.0
#include <cstdio>

#include "tools/ctl/commands.hpp"

namespace peranda::ctl {
namespace {

void print_header() {
  std::printf("%-13s %-20s %-9s %-16s %s\n", "RECEIVED", "NODE", "SEVERITY", "RULE", "LINE");
}

// --follow --json prints the API's stream as it is: one alarm per line.
void print_alarm(const nlohmann::json& a, bool json) {
  if (json) {
    std::printf("%s\n", a.dump().c_str());
  } else {
    std::printf("%-13llu %-20s %-9s %-16s %s\n",
                static_cast<unsigned long long>(a.value("received", std::uint64_t{0})),
                a.value("node", "").c_str(), a.value("severity", "").c_str(),
                a.value("rule", "").c_str(), a.value("line", "").c_str());
  }
  std::fflush(stdout);
}

}  // namespace

result<void> print_alarms(const api_client& client, std::uint64_t since, bool follow, bool json) {
  if (!follow) {
    auto body = client.get(fmt::format("/api/v1/alarms?since={}", since));
    if (!body) return std::unexpected(body.error());
    if (json) {
      std::printf("%s\n", body->dump(2).c_str());
      return {};
    }
    print_header();
    for (const auto& a : (*body)["alarms"]) print_alarm(a, false);
    return {};
  }
  if (!json) print_header();
  // The stream is JSON lines; a piece may end in the middle of one.
  std::string pending;
  // Without --since only new alarms are streamed (like tail -f).
  auto path = since == 0 ? std::string("/api/v1/alarms?follow=1")
                         : fmt::format("/api/v1/alarms?follow=1&since={}", since);
  return client.stream(path, [&](std::string_view data) {
    pending.append(data);
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      auto a = nlohmann::json::parse(pending.substr(0, nl), nullptr, false);
      pending.erase(0, nl + 1);
      if (a.is_object()) print_alarm(a, json);
    }
    return true;
  });
}

}  // namespace peranda::ctl
