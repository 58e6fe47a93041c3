// SPDX-License-Identifier: Apache-2.0
#include "node-agent/health/agent_health.hpp"

#include <fmt/format.h>

namespace peranda::agent {

std::vector<protocol::health_reason> judge_agent_health(const agent_health_facts& f) {
  std::vector<protocol::health_reason> out;
  // Compared as bytes > max x 80 / 100 without a product that could wrap.
  auto floor = f.spool_max_bytes / 100 * k_spool_full_percent +
               f.spool_max_bytes % 100 * k_spool_full_percent / 100;
  if (f.spool_max_bytes > 0 && f.spool_bytes > floor) {
    out.push_back({k_spool_near_full,
                   fmt::format("spool holds {} of its {} bytes (over {} %); past the cap the "
                               "oldest files are dropped",
                               f.spool_bytes, f.spool_max_bytes, k_spool_full_percent)});
  }
  if (f.oldest_alarm_wait && *f.oldest_alarm_wait > f.alarm_wait_bound) {
    out.push_back(
        {k_alarms_waiting,
         fmt::format("an alarm has waited {} s in the outbox for a master's "
                     "confirmation (bound {} s)",
                     f.oldest_alarm_wait->count() / 1000, f.alarm_wait_bound.count() / 1000)});
  }
  const std::size_t room = protocol::k_max_health_reasons - out.size();
  std::size_t listed = 0;
  for (const auto& [name, why] : f.failing_sources) {
    if (listed + 1 == room && f.failing_sources.size() > room) {
      out.push_back({k_source_failing,
                     fmt::format("{} more source(s) failing", f.failing_sources.size() - listed)});
      break;
    }
    // The wire bounds a reason's text to 256 characters.
    out.push_back({k_source_failing, fmt::format("source '{:.64}': {:.160}", name, why)});
    ++listed;
  }
  return out;
}

std::string summarize(const std::vector<protocol::health_reason>& reasons) {
  if (reasons.empty()) return "ok";
  std::string out = "degraded:";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    out += (i == 0 ? " " : ", ") + reasons[i].code;
  }
  return out;
}

}  // namespace peranda::agent
