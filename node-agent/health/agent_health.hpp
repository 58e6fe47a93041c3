// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/messages/heartbeat.hpp"

namespace peranda::agent {

// What the agent knows about itself at one moment (gathered by the agent).
struct agent_health_facts {
  std::uint64_t spool_bytes = 0;  // closed + active
  std::uint64_t spool_max_bytes = 0;
  // How long the oldest alarm of the outbox has waited (unset: none waits).
  std::optional<std::chrono::milliseconds> oldest_alarm_wait;
  std::chrono::milliseconds alarm_wait_bound{0};
  std::map<std::string, std::string, std::less<>> failing_sources;  // name -> why
};

// Codes of the reasons, in the order judge_agent_health() reports them.
inline constexpr const char* k_spool_near_full = "spool_near_full";
inline constexpr const char* k_alarms_waiting = "alarms_waiting";
inline constexpr const char* k_source_failing = "source_failing";
// The spool counts as near full above this share of its cap (percent):
// past the cap the oldest closed files are dropped.
inline constexpr std::uint64_t k_spool_full_percent = 80;

// Healthy exactly when the answer is empty; at most
// protocol::k_max_health_reasons reasons (failing sources beyond are
// summed up in the last one). Pure; thread-safe.
[[nodiscard]] std::vector<protocol::health_reason> judge_agent_health(const agent_health_facts& f);

// "ok", or "degraded: code, code, ..." (systemd's STATUS, logs).
[[nodiscard]] std::string summarize(const std::vector<protocol::health_reason>& reasons);

}  // namespace peranda::agent
