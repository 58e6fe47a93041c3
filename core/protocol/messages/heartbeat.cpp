// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/heartbeat.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::protocol {
std::string_view to_string(node_state s) {
  switch (s) {
    case node_state::online: return "online";
    case node_state::offline: return "offline";
    case node_state::lost: return "lost";
  }
  return "?";
}

std::string encode(const heartbeat& m) {
  auto doc = make_envelope();
  doc["node"] = m.node;
  doc["machine_id"] = m.machine_id;
  doc["ip"] = m.ip;
  doc["hostname"] = m.hostname;
  doc["state"] = to_string(m.state);
  doc["session"] = m.session;
  doc["seq"] = m.seq;
  doc["uptime_s"] = m.uptime_s;
  doc["agent_version"] = m.agent_version;
  doc["backlog"] = {{"files", m.backlog_files}, {"bytes", m.backlog_bytes}};
  doc["counters"] = m.counters;
  doc["ts"] = m.ts_ms;
  return dump_json(doc);
}

result<heartbeat> decode_heartbeat(std::string_view payload) {
  auto doc = parse_object(payload, "heartbeat");
  if (!doc) return std::unexpected(doc.error());
  heartbeat m;
  field_reader r(*doc, "heartbeat");
  r.id("node", m.node, validate_node_id);
  r.id("machine_id", m.machine_id, validate_token_id);
  r.id("ip", m.ip, validate_ip_address);
  r.text("hostname", m.hostname, 255);
  r.choice("state", m.state,
           {{"online", node_state::online},
            {"offline", node_state::offline},
            {"lost", node_state::lost}});
  r.uint("session", m.session, 0, k_max_timestamp);
  r.uint("seq", m.seq, 0, k_max_timestamp);
  r.uint("uptime_s", m.uptime_s, 0, k_max_timestamp);
  r.text("agent_version", m.agent_version, 64);
  if (const auto* backlog = r.object("backlog")) {
    field_reader b(*backlog, "heartbeat.backlog");
    b.uint("files", m.backlog_files, 0, k_max_timestamp);
    b.uint("bytes", m.backlog_bytes, 0, k_max_timestamp);
    if (auto done = b.finish(0); !done) return std::unexpected(done.error());
  }
  r.counters("counters", m.counters, 64);
  r.uint("ts", m.ts_ms, 0, k_max_timestamp);
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
