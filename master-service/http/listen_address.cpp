// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/listen_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "core/net/host_port.hpp"

namespace peranda::master {

std::string listen_address::authority() const {
  return ipv6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

result<listen_address> parse_listen_address(std::string_view text) {
  auto split = parse_host_port(text);
  if (!split) return std::unexpected(split.error());
  listen_address out;
  out.port = split->port;
  out.ipv6 = split->bracketed;
  std::string_view host = split->host;
  if (!out.ipv6 && host == "localhost") host = "127.0.0.1";
  std::string literal(host);
  char canonical[INET6_ADDRSTRLEN] = {};
  if (out.ipv6) {
    in6_addr a{};
    if (::inet_pton(AF_INET6, literal.c_str(), &a) != 1) {
      return failf("'{}': '{}' is not an IPv6 address", text, host);
    }
    ::inet_ntop(AF_INET6, &a, canonical, sizeof canonical);
    out.loopback = IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
    out.wildcard = IN6_IS_ADDR_UNSPECIFIED(&a);
  } else {
    in_addr a{};
    if (::inet_pton(AF_INET, literal.c_str(), &a) != 1) {
      return failf(
          "'{}': '{}' is not an IPv4 address (host names are not resolved; use an address, "
          "[IPv6] or localhost)",
          text, host);
    }
    ::inet_ntop(AF_INET, &a, canonical, sizeof canonical);
    auto first = static_cast<unsigned char>(ntohl(a.s_addr) >> 24);
    out.loopback = first == 127;
    out.wildcard = a.s_addr == htonl(INADDR_ANY);
  }
  out.host = canonical;
  return out;
}

}  // namespace peranda::master
