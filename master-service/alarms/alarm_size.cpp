// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_size.hpp"

#include <fmt/format.h>

namespace peranda::master {
namespace {

// The journal adds `,"received":<ms>` (at most 28 bytes) to the alarm's JSON.
constexpr std::size_t k_received_bytes = 32;

std::size_t journal_bytes(const protocol::alarm& a) {
  return protocol::encode(a).size() + k_received_bytes;
}

}  // namespace

bool fit_alarm(protocol::alarm& a, std::size_t max_bytes) {
  auto size = journal_bytes(a);
  if (size <= max_bytes) return false;
  const auto original = std::move(a.line);
  const auto marker = fmt::format(" [cut: {} bytes]", original.size());
  std::size_t keep = original.size();
  do {
    // A byte of `line` is 1-6 bytes of JSON: cut the excess, measure again.
    auto excess = size - max_bytes + marker.size();
    keep = keep > excess ? keep - excess : 0;
    while (keep > 0 && (static_cast<unsigned char>(original[keep]) & 0xC0) == 0x80) --keep;
    a.line = original.substr(0, keep) + marker;
    size = journal_bytes(a);
  } while (size > max_bytes && keep > 0);
  return true;
}

}  // namespace peranda::master
