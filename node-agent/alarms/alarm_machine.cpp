// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_machine.hpp"

#include <algorithm>
#include <utility>

namespace peranda::agent {

bool alarm_machine::add(std::string key, std::string id, std::string payload,
                        clock::time_point now) {
  // A line read again after a crash, its alarm still unconfirmed.
  if (keys_.contains(id)) return false;
  keys_.emplace(id, key);
  entries_.emplace(std::move(key), entry{std::move(id), std::move(payload), now});
  return true;
}

void alarm_machine::forget(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  keys_.erase(it->second.id);
  entries_.erase(it);
}

void alarm_machine::connected() {
  subscribed_ = true;
  reconnected_ = true;
}

void alarm_machine::requeue_published() {
  for (auto& [key, e] : entries_) {
    if (e.at == stage::published) e.at = stage::waiting;
  }
}

void alarm_machine::master_online(const std::string& master_id, std::uint64_t session) {
  auto [it, added] = masters_online_.try_emplace(master_id, session);
  if (!added && it->second == session) return;  // a repeat of what we know
  it->second = session;
  // It may have been killed after taking alarms from the broker and before
  // journaling them: it gets every unconfirmed alarm again.
  requeue_published();
}

void alarm_machine::master_offline(const std::string& master_id) {
  masters_online_.erase(master_id);
}

std::vector<std::string> alarm_machine::on_ack(const protocol::alarm_ack& ack,
                                               clock::time_point now) {
  if (!ack.refused.empty()) {
    // Whatever is unconfirmed was most likely refused too (only the first
    // ids of a flood are listed): all of it waits, then goes out paced.
    hold_until_ = now + std::chrono::milliseconds(ack.retry_after_ms);
    paced_ = true;
    requeue_published();
    for (const auto& id : ack.refused) {
      if (auto it = keys_.find(id); it != keys_.end()) entries_.at(it->second).at = stage::waiting;
    }
  }
  std::vector<std::string> confirmed;
  for (const auto& id : ack.ids) {
    auto it = keys_.find(id);
    if (it == keys_.end()) continue;  // confirmed before, or not ours
    confirmed.push_back(it->second);
    forget(it->second);
  }
  if (entries_.empty()) paced_ = false;
  return confirmed;
}

bool alarm_machine::on_completion(const std::string& key, bool delivered) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.at != stage::publishing) return false;
  auto& e = it->second;
  e.at = delivered ? stage::published : stage::waiting;
  return delivered && !std::exchange(e.reached_broker, true);
}

void alarm_machine::not_taken(const std::vector<std::string>& keys, clock::time_point now) {
  for (const auto& key : keys) {
    if (auto it = entries_.find(key); it != entries_.end()) it->second.at = stage::waiting;
  }
  if (!keys.empty()) retry_after_ = now + std::chrono::seconds(1);
}

bool alarm_machine::resend_due(const entry& e, clock::time_point now, bool reconnected) const {
  switch (e.at) {
    case stage::waiting:
      return true;
    case stage::publishing:
      return reconnected || now - e.sent_at >= resend_after_;
    case stage::published: {
      if (reconnected) return true;  // a broker killed before it passed them on
      // Without a live master a resend would only pile up in the broker.
      if (masters_online_.empty()) return false;
      auto backoff = resend_after_ * (1u << std::min(e.rounds - 1, 4u));
      return now - e.sent_at >= backoff;
    }
  }
  return false;
}

std::vector<alarm_machine::publish> alarm_machine::tick(clock::time_point now, bool connected) {
  if (!can_send(now, connected)) return {};
  bool reconnected = std::exchange(reconnected_, false);
  for (auto& [key, e] : entries_) {
    if (e.at != stage::waiting && resend_due(e, now, reconnected)) e.at = stage::waiting;
  }
  std::size_t busy = inflight();
  std::vector<publish> due;
  for (auto& [key, e] : entries_) {
    if (e.at != stage::waiting || busy >= max_inflight_) continue;
    e.at = stage::publishing;
    e.sent_at = now;
    ++e.rounds;
    ++busy;
    due.push_back({key, e.payload});
  }
  return due;
}

std::size_t alarm_machine::inflight() const {
  std::size_t n = 0;
  for (const auto& [key, e] : entries_) {
    n += e.at == stage::publishing || (paced_ && e.at == stage::published);
  }
  return n;
}

bool alarm_machine::can_send(clock::time_point now, bool connected) const {
  return subscribed_ && connected && now >= hold_until_;
}

bool alarm_machine::has_due(clock::time_point now, bool connected) const {
  if (!can_send(now, connected)) return false;
  if (reconnected_) return true;
  if (now < retry_after_) return false;
  bool waiting =
      std::ranges::any_of(entries_, [](const auto& kv) { return kv.second.at == stage::waiting; });
  return waiting && inflight() < max_inflight_;
}

std::optional<std::chrono::milliseconds> alarm_machine::oldest_wait(clock::time_point now) const {
  // Keys sort oldest first; entries loaded at start share one time.
  if (entries_.empty()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(now -
                                                               entries_.begin()->second.added_at);
}

std::vector<std::string> alarm_machine::ids() const {
  std::vector<std::string> out;
  for (const auto& [key, e] : entries_) out.push_back(e.id);
  return out;
}

}  // namespace peranda::agent
