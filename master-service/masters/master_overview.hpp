// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace peranda::master {

// One live master as GET /api/v1/masters and /metrics show it.
struct master_overview {
  std::string id;
  bool self = false;  // the master answering
  std::uint64_t session = 0;
  std::string version;
  std::uint64_t beat_ms = 0;
  std::uint64_t last_beat_ms = 0;  // wall clock, as its status said
  double last_beat_age_s = 0;      // since this master received it
  std::uint64_t nodes_owned = 0;   // of the nodes this master knows
};

}  // namespace peranda::master
