// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/scheduler.hpp"

#include "core/log/log.hpp"
#include "core/util/clock.hpp"
#include "master-service/scheduler/pull_due.hpp"

namespace peranda::master {
namespace {

// How often a node owned by another master is asked about our unconfirmed
// copies of its files (at most; pull_interval if shorter).
constexpr auto k_confirm_interval = std::chrono::seconds(10);

auto log() {
  static auto l = get_logger("master.scheduler");
  return l;
}

// How often an idle worker looks at its queue again (pulls are due in
// seconds at the earliest; pull_now wakes workers at once).
constexpr std::chrono::milliseconds k_idle_wait{500};

}  // namespace

scheduler::scheduler(const master_config& config, const registry& nodes, pull_tracker& pulls,
                     request_sender send, pull_ownership owners)
    : config_(config),
      nodes_(nodes),
      pulls_(pulls),
      send_(std::move(send)),
      owners_(std::move(owners)),
      queues_(config.workers),
      cursors_(queues_.count(), 0),
      short_of_slots_(queues_.count(), false) {
  pulls_.on_slot_freed([this] { slot_freed(); });
}

scheduler::~scheduler() { stop(); }

void scheduler::start() {
  for (unsigned q = 0; q < config_.workers; ++q) {  // queues_ has one queue per worker
    workers_.emplace_back([this, q](std::stop_token stop) { run(q, stop); });
  }
}

void scheduler::stop() {
  for (auto& w : workers_) w.request_stop();
  wake_.notify_all();
  workers_.clear();  // joins
}

unsigned scheduler::add(const std::string& node) {
  lock_guard lock(mu_);
  auto q = queues_.assign(node);
  auto [it, added] = slots_.try_emplace(node);
  if (added) it->second.joined = clock::now();
  return q;
}

void scheduler::slot_freed() {
  {
    lock_guard lock(mu_);
    ++slots_freed_;
  }
  wake_.notify_all();
}

void scheduler::remove(const std::string& node) {
  lock_guard lock(mu_);
  queues_.remove(node);
  if (auto it = slots_.find(node); it != slots_.end()) {
    if (it->second.pending_id) pulls_.mark_failed(*it->second.pending_id, "node forgotten");
    slots_.erase(it);
    on_demand_.erase(node);
  }
}

result<std::string> scheduler::pull_now(const std::string& node) {
  lock_guard lock(mu_);
  auto it = slots_.find(node);
  if (it == slots_.end()) return failf("no such node '{}'", node);
  if (!owners_.owns(node)) {
    auto owner = owners_.owner_of(node);
    return failf("node '{}' is pulled by master '{}', not by this one", node,
                 owner.value_or("?"));
  }
  if (!it->second.pending_id) it->second.pending_id = pulls_.create(node, true);
  on_demand_.insert(node);
  ++wakeups_;
  wake_.notify_all();
  return *it->second.pending_id;
}

std::pair<bool, bool> scheduler::ownership_of(const std::string& node, node_slot& slot) {
  auto generation = owners_.generation();
  if (slot.owned_generation == generation) return {slot.owned, false};
  bool was = slot.owned;
  bool first_look = !slot.owned_generation;
  slot.owned = owners_.owns(node);
  slot.owned_generation = generation;
  // Per node at debug: a master coming or going moves thousands (its
  // arrival or departure is logged once, by masters_watch).
  if (slot.owned != was && !first_look) {
    log()->debug("node '{}' {} this master", node, slot.owned ? "is now pulled by" : "moved away from");
  }
  // A node first seen is not "gained": its first pull is due anyway.
  return {slot.owned, slot.owned && !was && slot.requested_once};
}

std::vector<scheduler::due_pull> scheduler::due_nodes(unsigned queue, clock::time_point now) {
  std::vector<due_pull> out;
  short_of_slots_[queue] = false;
  auto no_slot_for = [&](const std::string& node) REQUIRES(mu_) {
    if (consider(node, now, out) != pick::full) return false;
    short_of_slots_[queue] = true;
    return true;
  };
  // An operator waits for a pull-now; it does not wait for the cursor.
  std::vector<std::string> asked;
  for (const auto& node : on_demand_) {
    if (queues_.queue_of(node) == queue) asked.push_back(node);
  }
  for (const auto& node : asked) {
    if (no_slot_for(node)) return out;
  }
  const auto& members = queues_.members(queue);
  auto& cursor = cursors_[queue];
  for (std::size_t seen = 0; seen < members.size(); ++seen, ++cursor) {
    if (cursor >= members.size()) cursor = 0;
    // The due node that found no slot is the first looked at next time.
    if (no_slot_for(members[cursor])) break;
  }
  return out;
}

scheduler::pick scheduler::consider(const std::string& node, clock::time_point now,
                                    std::vector<due_pull>& out) {
  auto& slot = slots_[node];
  auto [owned, gained] = ownership_of(node, slot);
  auto streak = pulls_.not_owner_of(node);
  // Another master's node is asked only about our unconfirmed copies of
  // its files, and sooner than a long pull_interval: its answer settles them.
  bool confirm = !owned && owners_.must_confirm(node);
  pull_due_inputs in{owned || confirm,
                     gained,
                     slot.requested_once,
                     slot.pending_id.has_value(),
                     now - slot.last_request,
                     confirm ? std::min<clock::duration>(config_.pull_interval, k_confirm_interval)
                             : config_.pull_interval,
                     streak.count,
                     now - streak.last};
  if (gained) slot.requested_once = false;  // due until it is actually sent
  if (decide_pull(in) != pull_due::now) return pick::skip;
  if (pulls_.open_for(node)) return pick::skip;                            // one pull at a time per node
  if (nodes_.state_of(node) != presence_state::online) return pick::skip;  // wait until back
  if (pulls_.open_sent() >= config_.max_transfers) return pick::full;      // counts this pick's too
  slot.requested_once = true;
  slot.last_request = now;
  std::string id;
  if (slot.pending_id) {
    id = *std::exchange(slot.pending_id, std::nullopt);
    on_demand_.erase(node);
  } else {
    id = pulls_.create(node, false);
  }
  pulls_.mark_sent(id, now + config_.request_timeout);
  out.push_back({node, std::move(id)});
  return pick::taken;
}

void scheduler::send_pull(const due_pull& due) {
  protocol::logs_request req;
  req.request_id = due.request_id;
  req.master_id = config_.id;
  req.chunk_size = config_.chunk_size;
  req.window = config_.window;
  for (const auto& e : config_.accept_encodings) {
    if (e != "plain") req.encodings.push_back(e);
  }
  if (!req.encodings.empty()) req.encodings.insert(req.encodings.begin(), "plain");
  req.ts_ms = wall_clock_ms();
  req.deadline_ms = req.ts_ms + static_cast<std::uint64_t>(config_.request_timeout.count());
  if (auto ok = send_(due.node, req); !ok) {
    log()->warn("pull of '{}' not sent: {}", due.node, ok.error().message);
    pulls_.mark_failed(due.request_id, ok.error().message);
    return;
  }
  log()->debug("asked '{}' for its logs (request {})", due.node, due.request_id);
}

void scheduler::run(unsigned queue, std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::vector<due_pull> due;
    {
      unique_lock lock(mu_);
      due = due_nodes(queue, clock::now());
      if (due.empty()) {
        auto seen = wakeups_;
        auto freed = slots_freed_;
        bool short_of_slots = short_of_slots_[queue];
        wake_.wait_for(lock, stop, k_idle_wait, [&]() REQUIRES(mu_) {
          return wakeups_ != seen || (short_of_slots && slots_freed_ != freed);
        });
        continue;
      }
    }
    for (const auto& d : due) send_pull(d);
  }
}

std::vector<queue_view> scheduler::queues(clock::time_point now) const {
  lock_guard lock(mu_);
  std::vector<queue_view> out;
  for (unsigned q = 0; q < queues_.count(); ++q) {
    queue_view v{q, queues_.members(q), 0};
    for (const auto& node : v.nodes) {
      auto slot = slots_.find(node);
      auto since = pulls_.last_success(node).value_or(slot->second.joined);
      auto late = std::chrono::duration<double>(now - since - config_.pull_interval).count();
      v.lag_s = std::max(v.lag_s, late);
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace peranda::master
