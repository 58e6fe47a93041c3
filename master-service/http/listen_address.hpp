// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::master {

// Where the HTTP API listens: an IP literal and a port. Host names are not
// resolved (what they resolve to can change after the loopback check);
// `localhost` alone is taken as 127.0.0.1.
struct listen_address {
  std::string host = "127.0.0.1";  // canonical literal, IPv6 without brackets
  std::uint16_t port = 8641;
  bool ipv6 = false;
  bool loopback = true;   // 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104
  bool wildcard = false;  // 0.0.0.0 or ::

  bool is_loopback() const { return loopback; }
  // "127.0.0.1:8641", "[::1]:8641": the form a client puts in `Host`.
  std::string authority() const;
  std::string url() const { return "http://" + authority(); }
};

// Parses `a.b.c.d:port`, `[v6]:port` or `localhost:port`; anything else
// (a host name, a bare IPv6 address, a missing or zero port) is an error
// naming the text.
[[nodiscard]] result<listen_address> parse_listen_address(std::string_view text);

}  // namespace peranda::master
