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
                           error_sink journal_failed)
    : master_id_(std::move(master_id)),
      topics_(topics),
      journal_(journal),
      hook_(hook),
      metrics_(metrics),
      publish_(std::move(publish)),
      journal_failed_(std::move(journal_failed)),
      watch_(stale_after) {}

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
  {
    lock_guard lock(mu_);
    alarms = watch_.on_tick(std::chrono::steady_clock::now(), connected);
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
    log()->warn("fleet alarm {}: {}", f.id, f.text);
    metrics_.fleet_alarms.add(to_string(f.event));
    hook_.submit(f.node, json);
    publish_({topics_.fleet_alarm(f.node), json, 1, false});
  }
}

}  // namespace peranda::master
