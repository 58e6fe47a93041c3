// SPDX-License-Identifier: Apache-2.0
#include "master-service/registry/registry.hpp"

namespace peranda::master {
namespace {

presence_state from_wire(protocol::node_state s) {
  switch (s) {
    case protocol::node_state::online:
      return presence_state::online;
    case protocol::node_state::offline:
      return presence_state::offline;
    case protocol::node_state::lost:
      return presence_state::lost;
  }
  return presence_state::lost;
}

void copy_facts(node_record& r, const protocol::heartbeat& hb,
                std::chrono::steady_clock::time_point now, bool known) {
  if (hb.state == protocol::node_state::online && (!known || r.state != presence_state::online)) {
    r.online_since = now;
  }
  r.state = from_wire(hb.state);
  r.session = hb.session;
  r.seq = hb.seq;
  r.last_seen = now;
  r.last_heartbeat_ms = hb.ts_ms;
  r.conflict_machine_id.clear();
  if (hb.state != protocol::node_state::online) return;
  // A Will or clean-stop message carries only identity; keep the last facts.
  r.ip = hb.ip;
  r.hostname = hb.hostname;
  r.machine_id = hb.machine_id;
  r.agent_version = hb.agent_version;
  r.uptime_s = hb.uptime_s;
  r.backlog_files = hb.backlog_files;
  r.backlog_bytes = hb.backlog_bytes;
  r.counters = hb.counters;
  r.health = hb.health;
}

}  // namespace

std::string_view to_string(presence_state s) {
  switch (s) {
    case presence_state::online:
      return "online";
    case presence_state::offline:
      return "offline";
    case presence_state::lost:
      return "lost";
    case presence_state::stale:
      return "stale";
  }
  return "?";
}

apply_outcome registry::apply(const protocol::heartbeat& hb, clock::time_point now) {
  lock_guard lock(mu_);
  auto it = index_.find(hb.node);
  if (it == index_.end()) {
    node_record r;
    r.node = hb.node;
    r.ip = hb.ip;
    r.hostname = hb.hostname;
    r.machine_id = hb.machine_id;
    copy_facts(r, hb, now, false);
    ordered_.push_back(std::move(r));
    index_.emplace(hb.node, std::prev(ordered_.end()));
    return apply_outcome::added;
  }
  node_record& r = *it->second;
  bool live = r.state == presence_state::online;
  if (hb.machine_id != r.machine_id && live) {
    // Two live machines, one id: flag it, never merge them silently.
    r.conflict_machine_id = hb.machine_id;
    return apply_outcome::conflict;
  }
  if (hb.machine_id == r.machine_id && hb.session < r.session) {
    return apply_outcome::stale_ignored;  // e.g. a late Will of an older process
  }
  copy_facts(r, hb, now, true);
  return apply_outcome::updated;
}

std::vector<std::string> registry::expire(clock::time_point now, clock::duration stale_after,
                                          clock::duration forget_after) {
  lock_guard lock(mu_);
  std::vector<std::string> removed;
  for (auto it = ordered_.begin(); it != ordered_.end();) {
    auto silent = now - it->last_seen;
    if (silent >= forget_after) {
      removed.push_back(it->node);
      index_.erase(it->node);
      it = ordered_.erase(it);
      continue;
    }
    if (it->state == presence_state::online && silent >= stale_after) {
      it->state = presence_state::stale;
    }
    ++it;
  }
  return removed;
}

void registry::set_queue(std::string_view node, int queue) {
  lock_guard lock(mu_);
  if (auto it = index_.find(std::string(node)); it != index_.end()) it->second->queue = queue;
}

void registry::set_alarms_refused(std::string_view node, std::uint64_t total) {
  lock_guard lock(mu_);
  if (auto it = index_.find(std::string(node)); it != index_.end()) {
    it->second->alarms_refused = total;
  }
}

std::optional<node_record> registry::find(std::string_view node) const {
  lock_guard lock(mu_);
  auto it = index_.find(std::string(node));
  if (it == index_.end()) return std::nullopt;
  return *it->second;
}

std::optional<presence_state> registry::state_of(std::string_view node) const {
  lock_guard lock(mu_);
  auto it = index_.find(std::string(node));
  if (it == index_.end()) return std::nullopt;
  return it->second->state;
}

std::vector<node_record> registry::snapshot() const {
  lock_guard lock(mu_);
  return {ordered_.begin(), ordered_.end()};
}

std::vector<std::pair<std::string, registry::clock::time_point>> registry::online_since() const {
  lock_guard lock(mu_);
  std::vector<std::pair<std::string, clock::time_point>> out;
  for (const auto& r : ordered_) {
    if (r.state == presence_state::online) out.emplace_back(r.node, r.online_since);
  }
  return out;
}

std::size_t registry::size() const {
  lock_guard lock(mu_);
  return index_.size();
}

}  // namespace peranda::master
