// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/logs_ack.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"
#include "core/protocol/messages/file_confirmation.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/topics.hpp"

namespace peranda::protocol {

std::string_view to_string(ack_status s) {
  switch (s) {
    case ack_status::progress: return "progress";
    case ack_status::missing: return "missing";
    case ack_status::complete: return "complete";
    case ack_status::rejected: return "rejected";
  }
  return "?";
}

std::string encode(const logs_ack& m) {
  auto doc = make_envelope();
  doc["transfer_id"] = m.transfer_id;
  doc["master_id"] = m.master_id;
  doc["status"] = to_string(m.status);
  doc["next"] = m.next;
  doc["window"] = m.window;
  doc["missing"] = m.missing;
  doc["sha256"] = m.sha256;
  doc["reason"] = m.reason;
  if (!m.store.empty()) doc["store"] = m.store;
  return dump_json(doc);
}

result<logs_ack> decode_logs_ack(std::string_view payload) {
  auto doc = parse_object(payload, "logs ack");
  if (!doc) return std::unexpected(doc.error());
  logs_ack m;
  field_reader r(*doc, "logs ack");
  r.id("transfer_id", m.transfer_id, validate_token_id);
  r.id("master_id", m.master_id, validate_node_id);
  r.choice("status", m.status,
           {{"progress", ack_status::progress},
            {"missing", ack_status::missing},
            {"complete", ack_status::complete},
            {"rejected", ack_status::rejected}});
  r.uint("next", m.next, 0, topic_scheme::k_max_chunks);
  r.uint("window", m.window, 0, k_max_window);
  r.uint_list("missing", m.missing, logs_ack::k_max_missing, topic_scheme::k_max_chunks - 1);
  r.text("sha256", m.sha256, 64);
  r.text("reason", m.reason, 512);
  r.id("store", m.store, validate_store_id, false);
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
