// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/alarm.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::protocol {

std::string_view to_string(severity s) {
  switch (s) {
    case severity::critical: return "critical";
    case severity::error: return "error";
    case severity::warning: return "warning";
    case severity::info: return "info";
  }
  return "?";
}

result<severity> parse_severity(std::string_view name) {
  for (auto s : {severity::critical, severity::error, severity::warning, severity::info}) {
    if (to_string(s) == name) return s;
  }
  return failf("severity '{}' is not one of critical, error, warning, info", name);
}

std::string encode(const alarm& m) {
  auto doc = make_envelope();
  doc["id"] = m.id;
  doc["node"] = m.node;
  doc["rule"] = m.rule;
  doc["severity"] = to_string(m.level);
  doc["source"] = m.source;
  doc["line"] = m.line;
  doc["offset"] = m.offset;
  doc["suppressed"] = m.suppressed;
  doc["ts"] = m.ts_ms;
  return dump_json(doc);
}

result<alarm> decode_alarm(std::string_view payload) {
  auto doc = parse_object(payload, "alarm");
  if (!doc) return std::unexpected(doc.error());
  alarm m;
  field_reader r(*doc, "alarm");
  r.id("id", m.id, validate_token_id);
  r.id("node", m.node, validate_node_id);
  r.id("rule", m.rule, validate_node_id);
  r.choice("severity", m.level,
           {{"critical", severity::critical},
            {"error", severity::error},
            {"warning", severity::warning},
            {"info", severity::info}});
  r.id("source", m.source, validate_node_id);
  r.text("line", m.line, alarm::k_max_line);
  r.uint("offset", m.offset, 0, k_max_timestamp);
  r.uint("suppressed", m.suppressed, 0, k_max_timestamp);
  r.uint("ts", m.ts_ms, 0, k_max_timestamp);
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
