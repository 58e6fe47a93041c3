// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/ownership/masters_view.hpp"

#include <algorithm>

#include "core/protocol/ownership/rendezvous.hpp"

namespace peranda::protocol {

masters_view::masters_view(std::string self, std::size_t max_masters)
    : self_(std::move(self)), max_masters_(max_masters) {
  changed();
}

masters_view::clock::duration masters_view::timeout_of(std::uint64_t beat_ms) {
  return std::chrono::milliseconds(beat_ms + beat_ms / 2);
}

status_effect masters_view::on_status(const master_status& s, clock::time_point now) {
  if (s.master_id == self_) return status_effect::ignored;
  auto it = live_.find(s.master_id);
  if (it != live_.end() && s.session < it->second.session) return status_effect::ignored;
  if (s.state != node_state::online) {
    // Only an `online` newer than the last one seen brings it back: the
    // master reconnected (the Will replaced its retained status, so no
    // older copy can come again).
    auto last_ts = it != live_.end() ? std::max(s.ts_ms, it->second.last_beat_wall_ms) : s.ts_ms;
    remember_gone(s.master_id, {s.session, last_ts});
    if (it == live_.end()) return status_effect::ignored;
    live_.erase(it);
    changed();
    return status_effect::left;
  }
  if (auto g = gone_.find(s.master_id); g != gone_.end()) {
    const auto& m = g->second;
    if (s.session < m.session || (s.session == m.session && s.ts_ms <= m.ts_ms)) {
      return status_effect::ignored;
    }
    gone_.erase(g);
  }
  if (it != live_.end()) {
    it->second.session = s.session;
    it->second.version = s.version;
    it->second.beat_ms = s.beat_ms;
    it->second.last_beat = now;
    it->second.last_beat_wall_ms = s.ts_ms;
    return status_effect::beat;
  }
  if (live_.size() >= max_masters_) {
    ++refused_;
    return status_effect::refused;
  }
  live_.emplace(s.master_id,
                master_entry{s.master_id, s.session, s.version, s.beat_ms, now, s.ts_ms});
  changed();
  return status_effect::joined;
}

std::vector<std::string> masters_view::expire(clock::time_point now) {
  std::vector<std::string> out;
  for (auto it = live_.begin(); it != live_.end();) {
    const auto& e = it->second;
    if (e.beat_ms != 0 && now - e.last_beat > timeout_of(e.beat_ms)) {
      // A retained copy of its last beat, delivered again on a reconnect,
      // must not revive it; a newer beat does.
      remember_gone(e.id, {e.session, e.last_beat_wall_ms});
      out.push_back(e.id);
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
  if (!out.empty()) changed();
  return out;
}

void masters_view::remember_gone(const std::string& id, gone_marker m) {
  auto g = gone_.find(id);
  if (g != gone_.end()) {
    if (g->second.session < m.session ||
        (g->second.session == m.session && g->second.ts_ms < m.ts_ms)) {
      g->second = m;
    }
    return;
  }
  if (max_masters_ == 0) return;
  if (gone_.size() >= max_masters_) gone_.erase(gone_.begin());
  gone_.emplace(id, m);
}

std::optional<std::string> masters_view::owner_of(std::string_view node) const {
  return rendezvous_owner(node, live_ids_);
}

bool masters_view::owns(std::string_view master, std::string_view node) const {
  auto o = owner_of(node);
  return o && *o == master;
}

std::vector<master_entry> masters_view::entries() const {
  std::vector<master_entry> out;
  out.reserve(live_.size());
  for (const auto& [id, e] : live_) out.push_back(e);
  return out;
}

void masters_view::changed() {
  live_ids_.clear();
  for (const auto& [id, e] : live_) live_ids_.push_back(id);
  if (!self_.empty()) {
    live_ids_.insert(std::ranges::lower_bound(live_ids_, self_), self_);
  }
  ++generation_;
}

}  // namespace peranda::protocol
