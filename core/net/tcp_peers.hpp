// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "core/net/host_port.hpp"

namespace peranda {

// The peer (numeric address, port) of every connected TCP socket of this
// process. Why: Paho C does not say which server of a serverURIs list a
// reconnect reached (its connect response names the first one), and a
// socket's peer does. Bounded by the process's descriptor count.
std::vector<host_port> tcp_peers();

}  // namespace peranda
