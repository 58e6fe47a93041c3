// SPDX-License-Identifier: Apache-2.0
#include "master-service/masters/masters_watch.hpp"

#include "core/log/log.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.masters");
  return l;
}

}  // namespace

masters_watch::masters_watch(std::string self, master_metrics& metrics)
    : self_(self), metrics_(metrics), view_(std::move(self)) {}

void masters_watch::subscribe(const protocol::topic_scheme& topics,
                              mqtt_session::session& session,
                              mqtt_session::dispatcher& inbound) {
  // Retained ones too: a master starting learns its live peers at once.
  session.subscribe(topics.all_masters(), 1,
                    inbound.to([this](const mqtt_session::received& r) { on_status(r); },
                               mqtt_session::dispatcher::retained::taken));
}

void masters_watch::on_status(const mqtt_session::received& r) {
  if (r.msg.payload.empty()) return;  // a cleared retained message
  auto s = protocol::decode_master_status(r.msg.payload);
  if (!s) return metrics_.rejected_messages.reject("bad_master_status", s.error().message);
  if (s->master_id != r.topic.owner) {
    return metrics_.rejected_messages.reject(
        "master_mismatch",
        fmt::format("status on '{}' names master '{}'", r.msg.topic, s->master_id));
  }
  protocol::status_effect effect;
  {
    lock_guard lock(mu_);
    effect = view_.on_status(*s, clock::now());
  }
  switch (effect) {
    case protocol::status_effect::joined:
      log()->info("master '{}' (session {}) is live; nodes are shared anew", s->master_id,
                  s->session);
      break;
    case protocol::status_effect::left:
      log()->info("master '{}' is {}; its nodes are shared among the others", s->master_id,
                  protocol::to_string(s->state));
      break;
    case protocol::status_effect::refused:
      metrics_.rejected_messages.reject(
          "too_many_masters", fmt::format("master '{}' not counted: too many masters", s->master_id));
      break;
    case protocol::status_effect::beat:
    case protocol::status_effect::ignored: break;
  }
}

void masters_watch::tick(clock::time_point now) {
  std::vector<std::string> gone;
  {
    lock_guard lock(mu_);
    gone = view_.expire(now);
  }
  for (const auto& m : gone) {
    log()->warn("master '{}' stopped beating; its nodes are shared among the others", m);
  }
}

bool masters_watch::owns(std::string_view node) const {
  lock_guard lock(mu_);
  return view_.owns(self_, node);
}

std::optional<std::string> masters_watch::owner_of(std::string_view node) const {
  lock_guard lock(mu_);
  return view_.owner_of(node);
}

std::uint64_t masters_watch::generation() const {
  lock_guard lock(mu_);
  return view_.generation();
}

std::vector<std::string> masters_watch::live() const {
  lock_guard lock(mu_);
  return view_.live();
}

std::vector<protocol::master_entry> masters_watch::entries() const {
  lock_guard lock(mu_);
  return view_.entries();
}

std::vector<master_overview> masters_watch::overview(const std::vector<std::string>& nodes,
                                                    master_overview self,
                                                    clock::time_point now) const {
  std::vector<master_overview> out;
  self.self = true;
  out.push_back(std::move(self));
  lock_guard lock(mu_);
  for (const auto& e : view_.entries()) {
    out.push_back({e.id, false, e.session, e.version, e.beat_ms, e.last_beat_wall_ms,
                   std::chrono::duration<double>(now - e.last_beat).count(), 0});
  }
  for (const auto& node : nodes) {
    auto owner = view_.owner_of(node);
    for (auto& m : out) {
      if (owner && m.id == *owner) ++m.nodes_owned;
    }
  }
  return out;
}

}  // namespace peranda::master
