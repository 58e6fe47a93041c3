// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/broker_url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace peranda {

result<broker_url> parse_broker_url(std::string_view text) {
  constexpr std::array k_schemes{std::pair{"tcp://", false}, std::pair{"mqtt://", false},
                                 std::pair{"ssl://", true}, std::pair{"mqtts://", true}};
  for (auto [scheme, tls] : k_schemes) {
    if (!text.starts_with(scheme)) continue;
    auto address = parse_host_port(text.substr(std::string_view(scheme).size()));
    if (!address) break;
    return broker_url{std::string(text), tls, std::move(*address)};
  }
  return failf("'{}' is not tcp://host:port or ssl://host:port", text);
}

std::string find_connected_broker(std::span<const std::string> urls,
                                  std::span<const host_port> peers) {
  std::vector<broker_url> parsed;
  for (const auto& text : urls) {
    if (auto url = parse_broker_url(text)) parsed.push_back(std::move(*url));
  }
  auto numeric = [](const std::string& host) {
    in6_addr any{};
    return ::inet_pton(AF_INET, host.c_str(), &any) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), &any) == 1;
  };
  std::string found;
  for (const auto& url : parsed) {
    bool port_shared = std::ranges::count_if(parsed, [&](const broker_url& other) {
                         return other.address.port == url.address.port;
                       }) > 1;
    bool is_numeric = numeric(url.address.host);
    if (!is_numeric && port_shared) continue;
    bool matches = std::ranges::any_of(peers, [&](const host_port& p) {
      return p.port == url.address.port && (!is_numeric || p.host == url.address.host);
    });
    if (!matches) continue;
    if (!found.empty()) return {};
    found = url.text;
  }
  return found;
}

}  // namespace peranda
