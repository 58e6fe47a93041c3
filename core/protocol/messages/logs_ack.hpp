// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace peranda::protocol {

enum class ack_status { progress, missing, complete, rejected };
std::string_view to_string(ack_status s);

// nodes/{node}/logs/ack, master -> agent, QoS 1.
// - progress: every chunk below `next` is stored; the agent may have chunks
//   up to next + window - 1 outstanding. `missing` may list holes below the
//   highest chunk seen, to be resent.
// - missing: after `end`, the chunks in `missing` never arrived; resend them.
// - complete: the file is verified (size, sha256), fsynced and renamed into
//   place; only now may the agent delete its spool file.
//   `store` names the master's store (its data_dir's id), so that a master
//   holding a second copy can tell another store's copy from its own.
// - rejected: the master will not store this transfer (`reason`); the agent
//   keeps its file.
struct logs_ack {
  static constexpr std::size_t k_max_missing = 4096;

  std::string transfer_id;
  std::string master_id;
  ack_status status = ack_status::progress;
  std::uint32_t next = 0;
  std::uint32_t window = 0;
  std::vector<std::uint32_t> missing;
  std::string sha256;
  std::string reason;
  std::string store;  // with complete; empty from a master of an earlier release

  bool operator==(const logs_ack&) const = default;
};

[[nodiscard]] std::string encode(const logs_ack& m);
[[nodiscard]] result<logs_ack> decode_logs_ack(std::string_view payload);

}  // namespace peranda::protocol
