// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "master-service/registry/registry.hpp"

namespace peranda::master {

enum class fleet_event { lost, back_online, spool_dropping, machine_id_conflict };
std::string_view to_string(fleet_event e);

// A fleet alarm to raise: about `node`, raised by the master. `id` is
// deterministic — `fleet.<event>.<what it refers to>` (the agent session,
// and the heartbeat's seq or the other machine id) — so every master that
// sees the same heartbeats derives the same id, and de-duplication on
// (node, id) in a journal or a subscriber turns repeats into no-ops. '.'
// is outside the agents' alarm id grammar: no node can squat these ids.
struct fleet_alarm {
  std::string node;
  fleet_event event = fleet_event::lost;
  std::string id;
  protocol::severity level = protocol::severity::error;
  std::string text;

  bool operator==(const fleet_alarm&) const = default;
};

// The fleet alarms' state machine, Sans-I/O: heartbeats (with what the
// registry made of them) and the passing of time go in, alarms come out.
// Per node and agent session: `lost` once (its Will, or silence for
// `stale_after`) until it is heard online again, which raises
// `back_online`. A Will read as the broker's retained state (at the
// master's start or reconnect, e.g. after a broker restart fired every
// Will) is history, not news: it raises `lost` only if the node stays
// unheard for stale_after while the master is connected; `spool_dropping` when the spool's drop
// counters grow after a heartbeat in which they did not (once per episode, not once per heartbeat);
// `machine_id_conflict` once per other (machine id, session). Not thread-safe: its owner serialises
// calls.
class fleet_watch {
 public:
  using clock = std::chrono::steady_clock;
  // Conflicting claims remembered per node: a node id flapping between
  // more machines than this may raise a claim again.
  static constexpr std::size_t k_max_conflicts = 16;

  explicit fleet_watch(clock::duration stale_after);

  // `retained`: delivered as the broker's retained message, not live.
  std::vector<fleet_alarm> on_heartbeat(const protocol::heartbeat& hb, apply_outcome outcome,
                                        clock::time_point now, bool retained = false);
  // Nodes online but silent for stale_after are lost. `connected`: the
  // master's own broker connection; while it is down nobody is judged, and
  // after it came back every node has stale_after again to be heard (a
  // master cut off must not call its whole fleet lost).
  std::vector<fleet_alarm> on_tick(clock::time_point now, bool connected);
  // The registry forgot the node.
  void forget(const std::string& node);

 private:
  struct node_watch {
    std::uint64_t session = 0;
    std::uint64_t seq = 0;  // of the last online heartbeat
    clock::time_point last_seen{};
    bool online = false;
    bool lost_raised = false;
    bool will_pending = false;  // a retained Will, not raised yet
    clock::time_point pending_since{};
    bool counted = false;  // drop counters below are from this session
    std::uint64_t dropped_files = 0;
    std::uint64_t dropped_bytes = 0;
    bool dropping = false;
    std::set<std::string> conflicts;
  };
  void on_online(const protocol::heartbeat& hb, node_watch& w, std::vector<fleet_alarm>& out);

  // Constant after construction
  const clock::duration stale_after_;

  bool was_connected_ = true;
  std::map<std::string, node_watch, std::less<>> nodes_;
};

}  // namespace peranda::master
