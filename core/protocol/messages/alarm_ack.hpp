// SPDX-License-Identifier: Apache-2.0
#pragma once

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
struct alarm_ack {
  static constexpr std::size_t k_max_ids = 256;

  std::string master_id;
  std::vector<std::string> ids;

  bool operator==(const alarm_ack&) const = default;
};

[[nodiscard]] std::string encode(const alarm_ack& m);
[[nodiscard]] result<alarm_ack> decode_alarm_ack(std::string_view payload);

}  // namespace peranda::protocol
