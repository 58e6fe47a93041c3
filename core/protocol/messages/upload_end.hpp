// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::protocol {

// nodes/{node}/logs/upload/{transfer}/end, agent -> master, QoS 1: every
// chunk has been published once. It may be repeated (resends, restarts).
struct upload_end {
  std::string transfer_id;
  std::uint32_t chunks_sent = 0;

  bool operator==(const upload_end&) const = default;
};

[[nodiscard]] std::string encode(const upload_end& m);
[[nodiscard]] result<upload_end> decode_upload_end(std::string_view payload);

}  // namespace peranda::protocol
