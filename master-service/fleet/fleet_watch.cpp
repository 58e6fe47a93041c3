// SPDX-License-Identifier: Apache-2.0
#include "master-service/fleet/fleet_watch.hpp"

#include <fmt/format.h>

namespace peranda::master {
namespace {

std::uint64_t counter(const protocol::heartbeat& hb, const char* name) {
  auto it = hb.counters.find(name);
  return it == hb.counters.end() ? 0 : it->second;
}

fleet_alarm make(const std::string& node, fleet_event e, std::string ref, protocol::severity level,
                 std::string text) {
  return {node, e, fmt::format("fleet.{}.{}", to_string(e), ref), level, std::move(text)};
}

}  // namespace

std::string_view to_string(fleet_event e) {
  switch (e) {
    case fleet_event::lost:
      return "lost";
    case fleet_event::back_online:
      return "back_online";
    case fleet_event::spool_dropping:
      return "spool_dropping";
    case fleet_event::machine_id_conflict:
      return "machine_id_conflict";
  }
  return "?";
}

fleet_watch::fleet_watch(clock::duration stale_after) : stale_after_(stale_after) {}

std::vector<fleet_alarm> fleet_watch::on_heartbeat(const protocol::heartbeat& hb,
                                                   apply_outcome outcome, clock::time_point now,
                                                   bool retained) {
  std::vector<fleet_alarm> out;
  if (outcome == apply_outcome::stale_ignored) return out;
  auto& w = nodes_[hb.node];
  if (outcome == apply_outcome::conflict) {
    auto key = fmt::format("s{}-{}", hb.session, hb.machine_id);
    if (w.conflicts.size() < k_max_conflicts && w.conflicts.insert(key).second) {
      out.push_back(make(hb.node, fleet_event::machine_id_conflict, key, protocol::severity::error,
                         fmt::format("node id '{}' is claimed by a second machine '{}' (session "
                                     "{}) while live; its heartbeats are not merged",
                                     hb.node, hb.machine_id, hb.session)));
    }
    return out;
  }
  switch (hb.state) {
    case protocol::node_state::online:
      on_online(hb, w, out);
      w.last_seen = now;
      break;
    case protocol::node_state::lost:
      if (retained && !w.lost_raised && !w.will_pending) {
        w.will_pending = true;
        w.pending_since = now;
      } else if (!w.lost_raised && !w.will_pending) {
        // The Will is fixed at the agent's start: its session names it.
        out.push_back(make(hb.node, fleet_event::lost, fmt::format("s{}", hb.session),
                           protocol::severity::error,
                           fmt::format("node '{}' is lost: the broker published its Will "
                                       "(session {})",
                                       hb.node, hb.session)));
        w.lost_raised = true;
      }
      w.online = false;
      w.session = hb.session;
      break;
    case protocol::node_state::offline:
      // A clean stop is no alarm, and ends a lost episode without one.
      w.online = false;
      w.lost_raised = false;
      w.will_pending = false;
      w.session = hb.session;
      break;
  }
  return out;
}

void fleet_watch::on_online(const protocol::heartbeat& hb, node_watch& w,
                            std::vector<fleet_alarm>& out) {
  auto ref = fmt::format("s{}-q{}", hb.session, hb.seq);
  w.will_pending = false;  // heard: the retained Will was history
  if (w.lost_raised) {
    out.push_back(make(hb.node, fleet_event::back_online, ref, protocol::severity::info,
                       fmt::format("node '{}' is back online (session {})", hb.node, hb.session)));
    w.lost_raised = false;
  }
  auto files = counter(hb, "spool_dropped_files");
  auto bytes = counter(hb, "spool_dropped_bytes");
  // Counters start at zero with each agent session: the first heartbeat of
  // a session seen is the baseline, unless it already reports drops.
  bool same = w.counted && w.session == hb.session;
  bool grew = same ? files > w.dropped_files || bytes > w.dropped_bytes : files + bytes > 0;
  if (grew && !w.dropping) {
    out.push_back(make(hb.node, fleet_event::spool_dropping, ref, protocol::severity::warning,
                       fmt::format("node '{}' is dropping spooled data to stay under its spool "
                                   "cap: {} file(s), {} bytes dropped so far in session {}",
                                   hb.node, files, bytes, hb.session)));
  }
  w.dropping = grew;
  w.counted = true;
  w.dropped_files = files;
  w.dropped_bytes = bytes;
  w.session = hb.session;
  w.seq = hb.seq;
  w.online = true;
}

std::vector<fleet_alarm> fleet_watch::on_tick(clock::time_point now, bool connected) {
  std::vector<fleet_alarm> out;
  if (!connected) {
    was_connected_ = false;
    return out;
  }
  if (!was_connected_) {
    was_connected_ = true;
    for (auto& [node, w] : nodes_) {
      w.last_seen = std::max(w.last_seen, now);
      if (w.will_pending) w.pending_since = std::max(w.pending_since, now);
    }
    return out;
  }
  for (auto& [node, w] : nodes_) {
    if (w.will_pending && now - w.pending_since >= stale_after_) {
      out.push_back(make(
          node, fleet_event::lost, fmt::format("s{}", w.session), protocol::severity::error,
          fmt::format(
              "node '{}' is lost: the broker holds its Will (session {}) "
              "and it was not heard for {} s",
              node, w.session,
              std::chrono::duration_cast<std::chrono::seconds>(now - w.pending_since).count())));
      w.will_pending = false;
      w.lost_raised = true;
      continue;
    }
    if (!w.online || w.lost_raised || now - w.last_seen < stale_after_) continue;
    out.push_back(make(
        node, fleet_event::lost, fmt::format("s{}-q{}", w.session, w.seq),
        protocol::severity::error,
        fmt::format("node '{}' is lost: no heartbeat for {} s (session {}, last "
                    "seq {})",
                    node,
                    std::chrono::duration_cast<std::chrono::seconds>(now - w.last_seen).count(),
                    w.session, w.seq)));
    w.lost_raised = true;
    w.online = false;
  }
  return out;
}

void fleet_watch::forget(const std::string& node) { nodes_.erase(node); }

}  // namespace peranda::master
