// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string_view>

namespace peranda {

// Sets TCP_NODELAY on every connected TCP socket of this process whose peer
// port is `peer_port`; returns how many sockets it set. Why: Paho C never
// sets it and exposes no socket hook, and without it a window of upload
// chunks (and each small alarm) waits for Nagle + the broker's delayed ACK
// (~40 ms a round): measured 13.5 -> 81 MiB/s for one agent's upload
// (docs/benchmarks.md). Setting it on an unrelated socket to the same port
// is harmless. Thread-safe (only setsockopt on live descriptors).
std::size_t set_tcp_nodelay_to_port(std::uint16_t peer_port);

}  // namespace peranda
