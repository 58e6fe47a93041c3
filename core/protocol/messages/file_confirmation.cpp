// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/file_confirmation.hpp"

#include <algorithm>

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::protocol {
namespace {

// Field `key` of message `what`: each element an object read by `read`;
// at most k_max_confirm of them.
template <class T, class Read>
result<std::vector<T>> list_from(const nlohmann::json& doc, std::string_view what,
                                 std::string_view key, Read read) {
  if (!doc.is_array() || doc.size() > k_max_confirm || !std::ranges::all_of(doc, [](const auto& i) {
        return i.is_object();
      })) {
    return failf("{}: field '{}': expected an array of at most {} objects", what, key,
                 k_max_confirm);
  }
  std::vector<T> out;
  out.reserve(doc.size());
  for (const auto& item : doc) {
    field_reader r(item, fmt::format("{}.{}[]", what, key));
    T value;
    read(r, value);
    auto checked = r.finish(std::move(value));
    if (!checked) return std::unexpected(checked.error());
    out.push_back(std::move(*checked));
  }
  return out;
}

}  // namespace

std::string_view to_string(confirmation_state s) {
  switch (s) {
    case confirmation_state::completed: return "completed";
    case confirmation_state::pending: return "pending";
    case confirmation_state::unknown: return "unknown";
  }
  return "?";
}

result<void> validate_store_id(std::string_view id) {
  bool ok = id.size() == 32 && std::ranges::all_of(id, [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            });
  if (ok) return {};
  return failf("'{:.40}' is not a store id (32 lower-case hex digits)", id);
}

nlohmann::json to_json(const std::vector<stored_file_ref>& refs) {
  auto out = nlohmann::json::array();
  for (const auto& r : refs) out.push_back({{"file", r.file}, {"sha256", r.sha256}});
  return out;
}

nlohmann::json to_json(const std::vector<file_confirmation>& answers) {
  auto out = nlohmann::json::array();
  for (const auto& a : answers) {
    nlohmann::json item{{"file", a.file}, {"sha256", a.sha256}, {"state", to_string(a.state)}};
    if (!a.master.empty()) item["master"] = a.master;
    if (!a.store.empty()) item["store"] = a.store;
    out.push_back(std::move(item));
  }
  return out;
}

result<std::vector<stored_file_ref>> stored_file_refs_from(const nlohmann::json& doc,
                                                           std::string_view what) {
  return list_from<stored_file_ref>(doc, what, "confirm", [](field_reader& r, stored_file_ref& v) {
    r.id("file", v.file, validate_file_name);
    r.id("sha256", v.sha256, validate_sha256);
  });
}

result<std::vector<file_confirmation>> confirmations_from(const nlohmann::json& doc,
                                                          std::string_view what) {
  return list_from<file_confirmation>(doc, what, "confirmations",
                                      [](field_reader& r, file_confirmation& v) {
    r.id("file", v.file, validate_file_name);
    r.id("sha256", v.sha256, validate_sha256);
    r.choice("state", v.state,
             {{"completed", confirmation_state::completed},
              {"pending", confirmation_state::pending},
              {"unknown", confirmation_state::unknown}});
    r.id("master", v.master, validate_node_id, false);
    r.id("store", v.store, validate_store_id, false);
    r.require(v.state == confirmation_state::completed || v.master.empty(), "master",
              "only a completed file names its master");
    r.require(v.state != confirmation_state::completed || !v.master.empty(), "master",
              "a completed file names its master");
  });
}

}  // namespace peranda::protocol
