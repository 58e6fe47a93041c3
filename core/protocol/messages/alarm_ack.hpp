// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace peranda::protocol {

// nodes/{node}/alarm/ack, master -> agent, QoS 1: the alarms with these ids
// are in the master's journal (synced to disk when the master fsyncs it).
// Only now may the agent drop them from its outbox: a broker's PUBACK only
// says the broker has them, and a broker or master killed right after it
// would lose them.
//
// `refused` (optional) names alarms the master did not journal because the
// node is over its alarm rate limit: the agent keeps them (and everything
// else unconfirmed) and publishes nothing for `retry_after_ms`, then at a
// limited pace. An ack carries confirmed ids, refused ids, or both; agents
// from before `refused` existed reject an ack without ids (counted) and
// fall back on their resend timer.
struct alarm_ack {
  static constexpr std::size_t k_max_ids = 256;
  static constexpr std::uint64_t k_max_retry_after_ms = 3'600'000;

  std::string master_id;
  std::vector<std::string> ids;
  std::vector<std::string> refused;
  std::uint64_t retry_after_ms = 0;  // with `refused`

  bool operator==(const alarm_ack&) const = default;
};

[[nodiscard]] std::string encode(const alarm_ack& m);
[[nodiscard]] result<alarm_ack> decode_alarm_ack(std::string_view payload);

}  // namespace peranda::protocol
