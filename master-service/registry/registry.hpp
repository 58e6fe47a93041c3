// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/protocol/messages/heartbeat.hpp"
#include "core/util/mutex.hpp"

namespace peranda::master {

enum class presence_state { online, offline, lost, stale };
std::string_view to_string(presence_state s);

struct node_record {
  std::string node;
  std::string ip;
  std::string hostname;
  std::string machine_id;
  std::string agent_version;
  presence_state state = presence_state::online;
  std::uint64_t session = 0;
  std::uint64_t seq = 0;
  std::uint64_t uptime_s = 0;
  std::uint64_t backlog_files = 0;
  std::uint64_t backlog_bytes = 0;
  std::map<std::string, std::uint64_t> counters;
  // The agent's own health (unset: its agent does not report it).
  std::optional<std::vector<protocol::health_reason>> health;
  std::uint64_t last_heartbeat_ms = 0;  // wall clock, from the agent
  std::chrono::steady_clock::time_point last_seen{};
  // When the node last turned online (from anything else, or first seen).
  std::chrono::steady_clock::time_point online_since{};
  int queue = -1;                    // worker queue, -1 until assigned
  std::uint64_t alarms_refused = 0;  // counted by the master, not the agent
  // Another machine claims this node id while this one is live.
  std::string conflict_machine_id;
};

// What a heartbeat did to the registry.
enum class apply_outcome {
  added,          // a node never seen (or forgotten) before
  updated,        // a known node; state and facts refreshed
  stale_ignored,  // from an older session than the one known: dropped
  conflict,       // a second live machine claims the id: recorded, not merged
};

// node id -> record. A hash index for lookup plus an ordered list for
// iteration in arrival order, as in the original design: a known node is
// updated in place, never added twice. Thread-safe (one mutex).
class registry {
 public:
  using clock = std::chrono::steady_clock;

  apply_outcome apply(const protocol::heartbeat& hb, clock::time_point now);

  // Marks online nodes silent for `stale_after` as stale; removes nodes
  // silent for `forget_after`. Returns the removed ids.
  std::vector<std::string> expire(clock::time_point now, clock::duration stale_after,
                                  clock::duration forget_after);

  void set_queue(std::string_view node, int queue);
  // The master's count of this node's alarms refused for rate (if known).
  void set_alarms_refused(std::string_view node, std::uint64_t total);
  std::optional<node_record> find(std::string_view node) const;
  // find()'s state only, without copying the record: the scheduler asks
  // for every node of its queue at each wake.
  std::optional<presence_state> state_of(std::string_view node) const;
  std::vector<node_record> snapshot() const;  // in arrival order
  // The online nodes and when each turned online, without copying records.
  std::vector<std::pair<std::string, clock::time_point>> online_since() const;
  std::size_t size() const;

 private:
  mutable mutex mu_;
  std::list<node_record> ordered_ GUARDED_BY(mu_);
  std::unordered_map<std::string, std::list<node_record>::iterator> index_ GUARDED_BY(mu_);
};

}  // namespace peranda::master
