// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/net/host_port.hpp"

namespace peranda {

// A broker address as Paho takes it: `tcp://host:port` or `mqtt://...`,
// `ssl://host:port` or `mqtts://...` for TLS.
struct broker_url {
  std::string text;  // as written: what Paho connects to
  bool tls = false;
  host_port address;
};

// Parses `text`; an unknown scheme or a bad host:port is an error naming it.
[[nodiscard]] result<broker_url> parse_broker_url(std::string_view text);

}  // namespace peranda
