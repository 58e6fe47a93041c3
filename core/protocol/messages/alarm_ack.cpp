// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/alarm_ack.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::protocol {

std::string encode(const alarm_ack& m) {
  auto doc = make_envelope();
  doc["master_id"] = m.master_id;
  doc["ids"] = m.ids;
  if (!m.refused.empty()) {
    doc["refused"] = m.refused;
    doc["retry_after_ms"] = m.retry_after_ms;
  }
  return dump_json(doc);
}

result<alarm_ack> decode_alarm_ack(std::string_view payload) {
  auto doc = parse_object(payload, "alarm ack");
  if (!doc) return std::unexpected(doc.error());
  alarm_ack m;
  field_reader r(*doc, "alarm ack");
  r.id("master_id", m.master_id, validate_node_id);
  r.id_list("ids", m.ids, alarm_ack::k_max_ids, validate_token_id);
  r.id_list("refused", m.refused, alarm_ack::k_max_ids, validate_token_id, false);
  r.uint("retry_after_ms", m.retry_after_ms, 0, alarm_ack::k_max_retry_after_ms,
         !m.refused.empty());
  r.require(!m.ids.empty() || !m.refused.empty(), "ids", "must name at least one alarm");
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
