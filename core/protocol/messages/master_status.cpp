// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/master_status.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::protocol {

std::string encode(const master_status& m) {
  auto doc = make_envelope();
  doc["master_id"] = m.master_id;
  doc["state"] = to_string(m.state);
  doc["session"] = m.session;
  doc["version"] = m.version;
  doc["ts"] = m.ts_ms;
  if (m.beat_ms != 0) doc["beat_ms"] = m.beat_ms;
  return dump_json(doc);
}

result<master_status> decode_master_status(std::string_view payload) {
  auto doc = parse_object(payload, "master status");
  if (!doc) return std::unexpected(doc.error());
  master_status m;
  field_reader r(*doc, "master status");
  r.id("master_id", m.master_id, validate_node_id);
  r.choice("state", m.state,
           {{"online", node_state::online},
            {"offline", node_state::offline},
            {"lost", node_state::lost}});
  r.uint("session", m.session, 0, k_max_timestamp);
  r.text("version", m.version, 64);
  r.uint("ts", m.ts_ms, 0, k_max_timestamp);
  // A beat outside these bounds would make a master look gone at once or
  // keep a dead one live for hours.
  r.uint("beat_ms", m.beat_ms, k_min_beat_ms, k_max_beat_ms, false);
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
