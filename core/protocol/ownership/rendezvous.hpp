// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace peranda::protocol {

// Rendezvous (highest-random-weight) hashing of nodes over masters, the
// rule every master and agent applies to the same list of live masters to
// name the one master that pulls a node (docs/protocol.md, "Which master
// owns a node"). The weight of (master, node) is the first 8 bytes, read
// big-endian, of SHA-256 over the UTF-8 bytes of master_id, one byte 0x0A,
// and node_id. Adding or removing a master moves only the nodes it gains
// or loses: every other pair's weight is unchanged.
[[nodiscard]] std::uint64_t rendezvous_weight(std::string_view master_id, std::string_view node_id);

// The master of `masters` with the highest weight for `node_id`; equal
// weights (practically never) go to the smaller id, so every peer agrees.
// Empty when `masters` is.
[[nodiscard]] std::optional<std::string> rendezvous_owner(std::string_view node_id,
                                                          std::span<const std::string> masters);

}  // namespace peranda::protocol
