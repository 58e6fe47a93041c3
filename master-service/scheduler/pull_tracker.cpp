// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/pull_tracker.hpp"

#include <algorithm>

#include "core/util/clock.hpp"

namespace peranda::master {
namespace {

constexpr std::size_t k_keep_finished = 1000;

}  // namespace

std::string_view to_string(pull_status s) {
  switch (s) {
    case pull_status::queued:
      return "queued";
    case pull_status::sent:
      return "sent";
    case pull_status::accepted:
      return "accepted";
    case pull_status::done:
      return "done";
    case pull_status::empty:
      return "empty";
    case pull_status::busy:
      return "busy";
    case pull_status::not_found:
      return "not_found";
    case pull_status::expired:
      return "expired";
    case pull_status::failed:
      return "failed";
    case pull_status::timed_out:
      return "timed_out";
    case pull_status::not_owner:
      return "not_owner";
  }
  return "?";
}

bool pull_record::finished() const {
  return status != pull_status::queued && status != pull_status::sent &&
         status != pull_status::accepted;
}

pull_tracker::pull_tracker(master_metrics& metrics, upload_quota quota)
    : epoch_(wall_clock_ms()), metrics_(metrics), quota_(quota) {}

std::string pull_tracker::create(const std::string& node, bool on_demand) {
  lock_guard lock(mu_);
  // Unique across restarts of this master: its start time, then a counter.
  auto id = fmt::format("p{:x}-{:x}", epoch_, ++counter_);
  pull_record r;
  r.request_id = id;
  r.node = node;
  r.on_demand = on_demand;
  r.created_ms = wall_clock_ms();
  pulls_.emplace(id, std::move(r));
  return id;
}

void pull_tracker::mark_sent(const std::string& request_id, clock::time_point deadline) {
  lock_guard lock(mu_);
  auto it = pulls_.find(request_id);
  if (it == pulls_.end() || it->second.status != pull_status::queued) return;
  it->second.status = pull_status::sent;
  it->second.sent_ms = wall_clock_ms();
  it->second.sent_at = clock::now();
  it->second.deadline = deadline;
  open_[it->second.node] = request_id;
}

void pull_tracker::mark_failed(const std::string& request_id, std::string reason) {
  lock_guard lock(mu_);
  auto it = pulls_.find(request_id);
  if (it == pulls_.end() || it->second.finished()) return;
  it->second.reason = std::move(reason);
  settle(it->second, pull_status::failed);
}

void pull_tracker::report_freed(std::size_t open_before, std::size_t open_after) const {
  if (open_after < open_before && slot_freed_) slot_freed_();
}

bool pull_tracker::on_reply(const std::string& node, const protocol::logs_reply& reply) {
  std::size_t before = 0;
  std::size_t after = 0;
  bool known = false;
  {
    lock_guard lock(mu_);
    before = open_.size();
    known = apply_reply(node, reply);
    after = open_.size();
  }
  report_freed(before, after);  // empty, busy, ... end a pull
  return known;
}

bool pull_tracker::apply_reply(const std::string& node, const protocol::logs_reply& reply) {
  auto it = pulls_.find(reply.request_id);
  if (it == pulls_.end() || it->second.node != node) return false;
  auto& r = it->second;
  if (r.finished()) return true;  // a duplicate reply
  r.reason = reply.reason;
  switch (reply.status) {
    case protocol::reply_status::accepted:
      r.status = pull_status::accepted;
      r.expected = reply.files;
      for (const auto& file : r.expected) r.files.try_emplace(file);
      check_done(r);
      break;
    case protocol::reply_status::empty:
      settle(r, pull_status::empty);
      break;
    case protocol::reply_status::busy:
      settle(r, pull_status::busy);
      break;
    case protocol::reply_status::not_found:
      settle(r, pull_status::not_found);
      break;
    case protocol::reply_status::expired:
      settle(r, pull_status::expired);
      break;
    case protocol::reply_status::failed:
      settle(r, pull_status::failed);
      break;
    case protocol::reply_status::not_owner:
      // Not ours right now (the views of the masters disagree for a
      // moment, or for longer): the scheduler asks again after a back-off.
      r.reason = fmt::format("owner seen by the agent: '{}'{}{}", reply.owner,
                             reply.reason.empty() ? "" : "; ", reply.reason);
      ++metrics_.not_owner_replies;
      settle(r, pull_status::not_owner);
      break;
  }
  return true;
}

void pull_tracker::on_transfer(const transfer_outcome& outcome) {
  std::size_t before = 0;
  std::size_t after = 0;
  {
    lock_guard lock(mu_);
    before = open_.size();
    apply_transfer(outcome);
    after = open_.size();
  }
  report_freed(before, after);
}

void pull_tracker::apply_transfer(const transfer_outcome& outcome) {
  auto it = pulls_.find(outcome.request_id);
  if (it == pulls_.end() || it->second.node != outcome.node) return;
  auto& r = it->second;
  auto at = r.files.find(outcome.file);
  if (at == r.files.end()) return;
  auto& f = at->second;
  if (f.stored && !outcome.stored) return;  // a refused repeat of a stored file
  f.transfer_id = outcome.transfer_id;
  f.finished = true;
  f.stored = outcome.stored;
  f.reason = outcome.reason;
  f.size = outcome.size;
  if (r.status == pull_status::accepted) check_done(r);
}

std::optional<upload_refusal> pull_tracker::admit_upload(const std::string& node,
                                                         const std::string& request_id,
                                                         const std::string& file,
                                                         std::uint64_t size,
                                                         std::uint64_t wall_ms) {
  lock_guard lock(mu_);
  auto it = pulls_.find(request_id);
  if (it == pulls_.end() || it->second.node != node || it->second.finished()) {
    return upload_refusal{
        "unrequested", fmt::format("request '{}' is no open pull of node '{}'", request_id, node)};
  }
  auto& r = it->second;
  if (r.status != pull_status::accepted) {
    return upload_refusal{"unrequested",
                          fmt::format("request '{}' has no accepting reply yet", request_id)};
  }
  auto f = r.files.find(file);
  if (f == r.files.end()) {
    return upload_refusal{"not_announced", fmt::format("file '{}' was not announced in the reply "
                                                       "to request '{}'",
                                                       file, request_id)};
  }
  if (f->second.finished) {
    return upload_refusal{
        "already_finished",
        fmt::format("file '{}' already finished in request '{}'", file, request_id)};
  }
  if (f->second.admitted) return std::nullopt;  // a retry: counted once
  auto& day = daily_[node];
  if (day.day != wall_ms / 86'400'000) day = {wall_ms / 86'400'000, 0};
  if (r.admitted_bytes + size > quota_.per_pull) {
    return upload_refusal{"quota_pull",
                          fmt::format("quota: {} more bytes exceed max_pull_bytes {} for request "
                                      "'{}' ({} admitted)",
                                      size, quota_.per_pull, request_id, r.admitted_bytes)};
  }
  if (day.bytes + size > quota_.per_day) {
    return upload_refusal{"quota_day",
                          fmt::format("quota: {} more bytes exceed max_daily_bytes {} of node "
                                      "'{}' today ({} admitted)",
                                      size, quota_.per_day, node, day.bytes)};
  }
  f->second.admitted = true;
  r.admitted_bytes += size;
  day.bytes += size;
  return std::nullopt;
}

bool pull_tracker::is_open(std::string_view node, std::string_view request_id) const {
  lock_guard lock(mu_);
  auto it = open_.find(node);
  return it != open_.end() && it->second == request_id;
}

void pull_tracker::check_done(pull_record& r) {
  bool all = std::ranges::all_of(r.expected, [&](const std::string& file) {
    auto it = r.files.find(file);
    return it != r.files.end() && it->second.finished;
  });
  if (all) settle(r, pull_status::done);
}

void pull_tracker::settle(pull_record& r, pull_status status) {
  if (auto it = open_.find(r.node); it != open_.end() && it->second == r.request_id) {
    open_.erase(it);
  }
  r.status = status;
  r.ended_ms = wall_clock_ms();
  metrics_.pulls.add(to_string(status));
  if (status == pull_status::done || status == pull_status::empty) {
    last_success_[r.node] = clock::now();
  }
  if (status == pull_status::not_owner) {
    auto& streak = not_owner_[r.node];
    ++streak.count;
    streak.last = clock::now();
  } else {
    not_owner_.erase(r.node);
  }
  finished_order_.push_back(r.request_id);
}

void pull_tracker::prune() {
  while (finished_order_.size() > k_keep_finished) {
    pulls_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
}

void pull_tracker::forget(std::string_view node) {
  lock_guard lock(mu_);
  if (auto it = last_success_.find(node); it != last_success_.end()) last_success_.erase(it);
  if (auto it = not_owner_.find(node); it != not_owner_.end()) not_owner_.erase(it);
}

void pull_tracker::expire(clock::time_point now, clock::duration reply_timeout) {
  unique_lock lock(mu_);
  auto before = open_.size();
  for (auto& [id, r] : pulls_) {
    bool open = r.status == pull_status::sent || r.status == pull_status::accepted;
    if (open && now >= r.deadline) {
      r.reason = "not finished before the request's deadline";
      settle(r, pull_status::timed_out);
    } else if (r.status == pull_status::sent && now - r.sent_at >= reply_timeout) {
      r.reason = "the agent did not reply";
      settle(r, pull_status::timed_out);
    }
  }
  prune();
  auto after = open_.size();
  lock.unlock();
  report_freed(before, after);
}

std::optional<pull_record> pull_tracker::find(std::string_view request_id) const {
  lock_guard lock(mu_);
  auto it = pulls_.find(request_id);
  if (it == pulls_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> pull_tracker::open_for(std::string_view node) const {
  lock_guard lock(mu_);
  auto it = open_.find(node);
  if (it == open_.end()) return std::nullopt;
  return it->second;
}

std::size_t pull_tracker::open_sent() const {
  lock_guard lock(mu_);
  return open_.size();
}

pull_tracker::not_owner_streak pull_tracker::not_owner_of(std::string_view node) const {
  lock_guard lock(mu_);
  auto it = not_owner_.find(node);
  return it == not_owner_.end() ? not_owner_streak{} : it->second;
}

std::optional<pull_tracker::clock::time_point> pull_tracker::last_success(
    std::string_view node) const {
  lock_guard lock(mu_);
  auto it = last_success_.find(node);
  if (it == last_success_.end()) return std::nullopt;
  return it->second;
}

std::vector<pull_record> pull_tracker::recent() const {
  lock_guard lock(mu_);
  std::vector<pull_record> out;
  for (const auto& [id, r] : pulls_) out.push_back(r);
  std::ranges::sort(out, {}, &pull_record::created_ms);
  return out;
}

}  // namespace peranda::master
