// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace peranda::protocol {

// A file a master stored from a node without having seen that node delete
// it: the master asks (logs request `confirm`) who completed it, because
// its own `complete` may never have arrived (the master died between
// storing and acking) and another master may have stored it since.
struct stored_file_ref {
  std::string file;    // the name the file was announced under
  std::string sha256;  // of the bytes that were sent
  bool operator==(const stored_file_ref&) const = default;
};

inline constexpr std::size_t k_max_confirm = 64;

// The agent's answer for one stored_file_ref (logs reply `confirmations`):
// - completed: a `complete` for exactly these bytes deleted the file;
//   `master` sent it, `store` is that master's store id (empty for a master
//   of an earlier release);
// - pending: the file is still in the spool (it will be offered again);
// - unknown: neither (never seen, or its record was pruned).
enum class confirmation_state { completed, pending, unknown };
std::string_view to_string(confirmation_state s);

struct file_confirmation {
  std::string file;
  std::string sha256;
  confirmation_state state = confirmation_state::unknown;
  std::string master;
  std::string store;
  bool operator==(const file_confirmation&) const = default;
};

// Store ids: 32 lower-case hex digits (128 random bits).
[[nodiscard]] result<void> validate_store_id(std::string_view id);

[[nodiscard]] nlohmann::json to_json(const std::vector<stored_file_ref>& refs);
[[nodiscard]] nlohmann::json to_json(const std::vector<file_confirmation>& answers);
// A request's `confirm` and a reply's `confirmations`; `what` names the
// message in errors ("logs request").
[[nodiscard]] result<std::vector<stored_file_ref>> stored_file_refs_from(const nlohmann::json& doc,
                                                                         std::string_view what);
[[nodiscard]] result<std::vector<file_confirmation>> confirmations_from(const nlohmann::json& doc,
                                                                        std::string_view what);

}  // namespace peranda::protocol
