// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda {

// `host:port` split in the one way every address in peranda is written.
struct host_port {
  std::string host;         // IPv6 without its brackets
  std::uint16_t port = 0;   // 1-65535
  bool bracketed = false;   // written `[v6]:port`
};

// Splits `host:port` or `[v6]:port`. A bare IPv6 address (colons outside
// brackets), an empty host or a port that is missing, zero or past 65535 is
// an error naming `text`. The host is not checked further: callers decide
// whether names or only literals are allowed.
[[nodiscard]] result<host_port> parse_host_port(std::string_view text);

}  // namespace peranda
