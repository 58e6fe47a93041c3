// SPDX-License-Identifier: Apache-2.0
#include "core/net/host_port.hpp"

#include <charconv>

namespace peranda {

result<host_port> parse_host_port(std::string_view text) {
  host_port out;
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return failf("'{}' is not [IPv6]:port", text);
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    out.bracketed = true;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return failf("'{}' is not host:port", text);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return failf("'{}': write an IPv6 address in brackets, [{}]:port", text, host);
    }
  }
  unsigned number = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (host.empty() || port.empty() || ec != std::errc{} || ptr != port.data() + port.size() ||
      number == 0 || number > 65535) {
    return failf("'{}' has no valid port (1-65535)", text);
  }
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(number);
  return out;
}

}  // namespace peranda
