// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/broker_url.hpp"

#include <array>
#include <utility>

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

}  // namespace peranda
