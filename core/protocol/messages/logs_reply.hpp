// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/protocol/messages/file_confirmation.hpp"

namespace peranda::protocol {

enum class reply_status { accepted, empty, busy, not_found, expired, failed, not_owner };
std::string_view to_string(reply_status s);

// nodes/{node}/logs/reply, agent -> master, QoS 1: the agent's answer to a
// request, so a master is never left waiting on silence. `files` lists what
// will be uploaded (accepted) or what was not found (not_found). not_owner:
// the agent serves only the master that owns its node in its own view of
// the live masters; `owner` names that master (empty: none it knows).
// `confirmations` answers the request's `confirm`, in any status; absent
// (nullopt) from an agent of an earlier release, which cannot answer.
struct logs_reply {
  std::string request_id;
  std::string master_id;
  reply_status status = reply_status::accepted;
  std::vector<std::string> files;
  std::string reason;
  std::uint64_t ts_ms = 0;
  std::string owner;  // with not_owner only
  std::optional<std::vector<file_confirmation>> confirmations;

  bool operator==(const logs_reply&) const = default;
};

[[nodiscard]] std::string encode(const logs_reply& m);
[[nodiscard]] result<logs_reply> decode_logs_reply(std::string_view payload);

}  // namespace peranda::protocol
