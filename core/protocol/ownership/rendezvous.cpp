// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/ownership/rendezvous.hpp"

#include <charconv>

#include "core/fs/sha256.hpp"

namespace peranda::protocol {

std::uint64_t rendezvous_weight(std::string_view master_id, std::string_view node_id) {
  sha256 h;
  h.update(master_id);
  h.update("\n");
  h.update(node_id);
  auto hex = h.finish_hex();
  // 16 hex digits are the first 8 bytes, big-endian.
  std::uint64_t w = 0;
  std::from_chars(hex.data(), hex.data() + 16, w, 16);
  return w;
}

std::optional<std::string> rendezvous_owner(std::string_view node_id,
                                            std::span<const std::string> masters) {
  const std::string* best = nullptr;
  std::uint64_t best_weight = 0;
  for (const auto& m : masters) {
    auto w = rendezvous_weight(m, node_id);
    if (!best || w > best_weight || (w == best_weight && m < *best)) {
      best = &m;
      best_weight = w;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace peranda::protocol
