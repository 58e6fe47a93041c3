// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/listen_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace peranda::master {
namespace {

result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || port == 0 ||
      port > 65535) {
    return failf("'{}' has no valid port (1-65535)", whole);
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace

std::string listen_address::authority() const {
  return ipv6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

result<listen_address> parse_listen_address(std::string_view text) {
  listen_address out;
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return failf("'{}' is not [IPv6]:port", text);
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    out.ipv6 = true;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return failf("'{}' is not host:port", text);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return failf("'{}': write an IPv6 address in brackets, [{}]:port", text, host);
    }
  }
  auto p = parse_port(port, text);
  if (!p) return std::unexpected(p.error());
  out.port = *p;
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
