// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/logs_reply.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"
#include "core/protocol/messages/logs_request.hpp"

namespace peranda::protocol {
std::string_view to_string(reply_status s) {
  switch (s) {
    case reply_status::accepted: return "accepted";
    case reply_status::empty: return "empty";
    case reply_status::busy: return "busy";
    case reply_status::not_found: return "not_found";
    case reply_status::expired: return "expired";
    case reply_status::failed: return "failed";
    case reply_status::not_owner: return "not_owner";
  }
  return "?";
}

std::string encode(const logs_reply& m) {
  auto doc = make_envelope();
  doc["request_id"] = m.request_id;
  doc["master_id"] = m.master_id;
  doc["status"] = to_string(m.status);
  doc["files"] = m.files;
  doc["reason"] = m.reason;
  doc["ts"] = m.ts_ms;
  if (!m.owner.empty()) doc["owner"] = m.owner;
  if (m.confirmations) doc["confirmations"] = to_json(*m.confirmations);
  return dump_json(doc);
}

result<logs_reply> decode_logs_reply(std::string_view payload) {
  auto doc = parse_object(payload, "logs reply");
  if (!doc) return std::unexpected(doc.error());
  logs_reply m;
  field_reader r(*doc, "logs reply");
  r.id("request_id", m.request_id, validate_token_id);
  r.id("master_id", m.master_id, validate_node_id);
  r.choice("status", m.status,
           {{"accepted", reply_status::accepted},
            {"empty", reply_status::empty},
            {"busy", reply_status::busy},
            {"not_found", reply_status::not_found},
            {"expired", reply_status::expired},
            {"failed", reply_status::failed},
            {"not_owner", reply_status::not_owner}});
  r.id_list("files", m.files, k_max_files_per_request, validate_file_name);
  r.text("reason", m.reason, 512);
  r.uint("ts", m.ts_ms, 0, k_max_timestamp);
  r.id("owner", m.owner, validate_node_id, false);
  if (auto it = doc->find("confirmations"); r.ok() && it != doc->end()) {
    auto answers = confirmations_from(*it, "logs reply");
    if (!answers) return std::unexpected(answers.error());
    m.confirmations = std::move(*answers);
  }
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
