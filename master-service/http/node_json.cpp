// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/node_json.hpp"

namespace peranda::master {

nlohmann::json to_json(const node_record& r, std::chrono::steady_clock::time_point now) {
  auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - r.last_seen).count();
  nlohmann::json j{{"node", r.node},
                   {"ip", r.ip},
                   {"hostname", r.hostname},
                   {"machine_id", r.machine_id},
                   {"agent_version", r.agent_version},
                   {"state", to_string(r.state)},
                   {"session", r.session},
                   {"seq", r.seq},
                   {"uptime_s", r.uptime_s},
                   {"backlog", {{"files", r.backlog_files}, {"bytes", r.backlog_bytes}}},
                   {"counters", r.counters},
                   {"last_heartbeat", r.last_heartbeat_ms},
                   {"last_seen_ms_ago", age},
                   {"queue", r.queue},
                   {"alarms_refused", r.alarms_refused}};
  if (!r.conflict_machine_id.empty()) j["conflict_machine_id"] = r.conflict_machine_id;
  if (r.health) {
    auto reasons = nlohmann::json::array();
    for (const auto& h : *r.health) reasons.push_back({{"code", h.code}, {"text", h.text}});
    j["health"] = {{"status", r.health->empty() ? "ok" : "degraded"}, {"reasons", reasons}};
  }
  return j;
}

}  // namespace peranda::master
