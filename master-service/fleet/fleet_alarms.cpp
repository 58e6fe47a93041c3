// SPDX-License-Identifier: Apache-2.0
#include "master-service/fleet/fleet_alarms.hpp"

#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.fleet");
  return l;
}

}  // namespace

fleet_alarms::fleet_alarms(std::string master_id, std::chrono::milliseconds stale_after,
                           const protocol::topic_scheme& topics, alarm_journal& journal,
                           alarm_hook& hook, master_metrics& metrics, publisher publish,
                           error_sink journal_failed, ownership owns,
                           std::chrono::milliseconds handover)
    : master_id_(std::move(master_id)),
      topics_(topics),
      journal_(journal),
      hook_(hook),
      metrics_(metrics),
      publish_(std::move(publish)),
      journal_failed_(std::move(journal_failed)),
      owns_(std::move(owns)),
      watch_(stale_after),
      owed_(handover, k_max_owed) {}

void fleet_alarms::on_heartbeat(const protocol::heartbeat& hb, apply_outcome outcome,
                                bool retained) {
  std::vector<fleet_alarm> alarms;
  {
    lock_guard lock(mu_);
    alarms = watch_.on_heartbeat(hb, outcome, std::chrono::steady_clock::now(), retained);
  }
  raise(alarms);
}

void fleet_alarms::tick(bool connected) {
  std::vector<fleet_alarm> alarms;
  std::vector<owed_alarms::alarm> now_mine;
  auto now = std::chrono::steady_clock::now();
  {
    lock_guard lock(mu_);
    alarms = watch_.on_tick(now, connected);
    now_mine = owed_.settle(owns_, now);
    metrics_.fleet_alarms_owed = owed_.size();
  }
  for (const auto& o : now_mine) {
    log()->warn("fleet alarm of '{}' raised as its new owner", o.node);
    deliver(o.node, o.event, o.json);
  }
  raise(alarms);
}

void fleet_alarms::forget(const std::string& node) {
  lock_guard lock(mu_);
  watch_.forget(node);
}

void fleet_alarms::raise(const std::vector<fleet_alarm>& alarms) {
  for (const auto& f : alarms) {
    auto now = wall_clock_ms();
    protocol::alarm a{f.id,    f.node,     fmt::format("fleet.{}", to_string(f.event)),
                      f.level, master_id_, f.text,
                      0,       0,          now};
    auto entry = journal_.append(a, now);
    if (!entry) {
      log()->error("fleet alarm '{}' of '{}' not journaled: {}", f.id, f.node,
                   entry.error().message);
      journal_failed_(entry.error().message);
    } else if (!*entry) {
      continue;  // raised before (by this master before a restart)
    }
    const std::string json = entry && *entry ? (*entry)->json : protocol::encode(a);
    std::string event(to_string(f.event));
    if (owns_(f.node)) {
      log()->warn("fleet alarm {}: {}", f.id, f.text);
      deliver(f.node, event, json);
      continue;
    }
    lock_guard lock(mu_);
    if (owed_.add({f.node, std::move(event), json}, std::chrono::steady_clock::now()) > 0) {
      metrics_.alarms_limited.add("owed_fleet_alarm_dropped");
    }
    metrics_.fleet_alarms_owed = owed_.size();
  }
}

void fleet_alarms::deliver(const std::string& node, const std::string& event,
                           const std::string& json) {
  metrics_.fleet_alarms.add(event);
  hook_.submit(node, json);
  publish_({topics_.fleet_alarm(node), json, 1, false});
}

}  // namespace peranda::master
