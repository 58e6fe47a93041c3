// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/messages/master_status.hpp"

namespace peranda::protocol {

// One live master as a peer sees it.
struct master_entry {
  std::string id;
  std::uint64_t session = 0;
  std::string version;
  std::uint64_t beat_ms = 0;  // 0: it does not beat, live until its Will
  std::chrono::steady_clock::time_point last_beat{};
  std::uint64_t last_beat_wall_ms = 0;  // the status's own `ts`
};

// What on_status() made of a status.
enum class status_effect {
  joined,   // a master became live
  left,     // a live master went offline or lost
  beat,     // a live master beat again
  ignored,  // nothing changed (an older session, a repeat of gone, ourselves)
  refused   // a new master beyond max_masters
};

// The live masters of a fleet, fed with `masters/+/status` messages and a
// clock, and the owner of every node among them (rendezvous_owner). A
// master is live from an `online` status until an `offline`/`lost` one (its
// Will), or until 1.5 of its announced beats pass without a status: a
// broker that never fires the Will (a cluster member that died with the
// master) leaves it looking live for that long at most, so a peer that
// beats every B takes over its nodes within 2 B of its last beat. `self`
// (a master's own id; empty for an agent) is always live, whatever its
// retained statuses say (its own Will from an earlier run). Pure: no I/O,
// the caller passes the time. Not thread-safe.
class masters_view {
 public:
  using clock = std::chrono::steady_clock;

  explicit masters_view(std::string self = {}, std::size_t max_masters = 256);

  status_effect on_status(const master_status& s, clock::time_point now);
  // Masters whose beats stopped leave; returns their ids.
  std::vector<std::string> expire(clock::time_point now);

  // Sorted ids (self included).
  const std::vector<std::string>& live() const { return live_ids_; }
  std::optional<std::string> owner_of(std::string_view node) const;
  bool owns(std::string_view master, std::string_view node) const;
  std::vector<master_entry> entries() const;
  // Its last word was offline/lost, or its beats stopped (and no newer
  // online came since). A master never heard of is not gone.
  bool gone(std::string_view master) const { return gone_.contains(master); }
  // Bumped whenever the live set changes, so callers can cache owners.
  std::uint64_t generation() const { return generation_; }
  // Statuses of new masters refused for max_masters.
  std::uint64_t refused() const { return refused_; }

  // How long after its last status a beating master is taken as gone.
  static clock::duration timeout_of(std::uint64_t beat_ms);

 private:
  struct gone_marker {
    std::uint64_t session = 0;
    std::uint64_t ts_ms = 0;  // of its last status
  };
  void changed();
  void remember_gone(const std::string& id, gone_marker m);

  const std::string self_;
  const std::size_t max_masters_;
  std::map<std::string, master_entry, std::less<>> live_;
  // Per master gone: a late or retained `online` of that session, no newer
  // than what we saw, does not bring it back; a fresh beat of a master that
  // was only slow does. At most max_masters (then the first id in order goes).
  std::map<std::string, gone_marker, std::less<>> gone_;
  std::vector<std::string> live_ids_;
  std::uint64_t generation_ = 0;
  std::uint64_t refused_ = 0;
};

}  // namespace peranda::protocol
