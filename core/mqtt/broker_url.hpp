// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
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

// Which of `urls` this process is connected to, from its sockets' `peers`:
// an entry with a numeric host matches a peer with that address and port; an
// entry with a name matches by port when no other entry has that port.
// Empty when none or more than one entry matches (e.g. two sessions of one
// process on two brokers of the list): "not known", never a guess.
[[nodiscard]] std::string find_connected_broker(std::span<const std::string> urls,
                                                std::span<const host_port> peers);

}  // namespace peranda
