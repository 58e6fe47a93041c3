// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

#include "core/protocol/messages/alarm.hpp"

namespace peranda::master {

// Fits `a` into a journal line of at most `max_bytes` (REQUIRES: >= 1024,
// room for every field but `line`) by cutting its `line` at a UTF-8
// boundary and saying so at its end: " [cut: <N> bytes]" with the original
// length. Returns whether it cut. The protocol bounds `line` (4096 bytes),
// but escaping can make its JSON six times that; this bounds what one alarm
// costs the journal, whatever it holds.
bool fit_alarm(protocol::alarm& a, std::size_t max_bytes);

}  // namespace peranda::master
