// SPDX-License-Identifier: Apache-2.0
#include "node-agent/presence/presence_machine.hpp"

namespace peranda::agent {

protocol::heartbeat presence_machine::next(protocol::node_state state, clock::time_point now,
                                           std::uint64_t wall_ms) {
  protocol::heartbeat hb;
  hb.node = id_.node;
  hb.machine_id = id_.machine_id;
  hb.ip = id_.ip;
  hb.hostname = id_.hostname;
  hb.state = state;
  hb.session = id_.session;
  hb.seq = seq_++;
  hb.uptime_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now - started_).count());
  hb.agent_version = id_.version;
  hb.ts_ms = wall_ms;
  return hb;
}

presence_machine::echo_action presence_machine::on_echo(
    const std::optional<protocol::heartbeat>& echo) const {
  if (!echo) return echo_action::publish_online;  // overwrite what is not a heartbeat
  if (echo->state == protocol::node_state::online && echo->session == id_.session) {
    return echo_action::none;
  }
  // Publishing over a newer session would make two agents fight over it.
  if (echo->session > id_.session) return echo_action::other_agent;
  // A late Will, a broker restart that fired every Will, or an older run.
  return echo_action::publish_online;
}

}  // namespace peranda::agent
