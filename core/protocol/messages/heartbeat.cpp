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

namespace {

// `health` is optional and added after version 1 was fixed: older masters
// ignore it, older agents send none.
result<std::vector<health_reason>> decode_health(const nlohmann::json* doc) {
  std::vector<health_reason> out;
  if (!doc) return fail("heartbeat: field 'health': expected an object");
  field_reader h(*doc, "heartbeat.health");
  bool degraded = false;
  h.choice("status", degraded, {{"ok", false}, {"degraded", true}});
  auto it = doc->find("reasons");
  h.require(it != doc->end() && it->is_array() && it->size() <= k_max_health_reasons, "reasons",
            fmt::format("expected an array of at most {} reasons", k_max_health_reasons));
  if (!h.ok()) return h.finish(std::move(out));
  for (const auto& item : *it) {
    health_reason reason;
    if (!item.is_object()) return fail("heartbeat.health.reasons: expected objects");
    field_reader e(item, "heartbeat.health.reasons[]");
    e.id("code", reason.code, validate_token_id);
    e.text("text", reason.text, 256);
    if (!e.ok()) return e.finish(std::move(out));
    out.push_back(std::move(reason));
  }
  h.require(degraded == !out.empty(), "status", "must be 'degraded' exactly when reasons are given");
  return h.finish(std::move(out));
}

}  // namespace

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
  if (m.health) {
    auto reasons = nlohmann::json::array();
    for (const auto& r : *m.health) reasons.push_back({{"code", r.code}, {"text", r.text}});
    doc["health"] = {{"status", m.health->empty() ? "ok" : "degraded"}, {"reasons", reasons}};
  }
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
  if (r.ok() && doc->contains("health")) {
    if (auto health = decode_health(r.object("health")); !health) {
      return std::unexpected(health.error());
    } else {
      m.health = std::move(*health);
    }
  }
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
