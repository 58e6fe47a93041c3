// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "master-service/alarms/alarm_hook.hpp"
#include "master-service/alarms/alarm_journal.hpp"
#include "master-service/alarms/alarm_limiter.hpp"
#include "master-service/master_config.hpp"
#include "master-service/metrics/counters.hpp"
#include "master-service/registry/registry.hpp"

namespace peranda::master {

// The nodes' alarms: each one that decodes, names its topic's node and is
// within the node's rate goes (cut to alarm_max_bytes) into the journal,
// which keeps one per (node, id); once durable it is confirmed to its node,
// and a new one goes to the hook. Nodes over their rate get refusals from
// send_refusals(). With several masters every master journals every alarm,
// but only the node's owner (`owns`) confirms it, refuses for rate and runs
// the hook: an alarm another master journaled first keeps its hook owed
// (up to k_max_owed_hooks), run when the alarm comes again to this master
// as its owner (the agent resends what no owner confirmed). Alarms are
// handled on the dispatcher's thread.
class alarm_intake {
 public:
  using ownership = std::function<bool(std::string_view node)>;
  static constexpr std::size_t k_max_owed_hooks = 4096;

  // `journal_failed` hears of every failed append (the master's health).
  alarm_intake(const master_config& config, alarm_journal& journal, alarm_limiter& limits,
               alarm_hook& hook, registry& nodes, master_metrics& metrics,
               std::function<void(const std::string&)> journal_failed,
               ownership owns = [](std::string_view) { return true; });

  // REQUIRES: before session.start(); `session` outlives this object's use.
  void subscribe(const protocol::topic_scheme& topics, mqtt_session::session& session,
                 mqtt_session::dispatcher& inbound);

  // Tells nodes over their alarm rate which alarms were refused (tick).
  // REQUIRES: the session given to subscribe() still exists.
  void send_refusals();
  void log_refusals();

 private:
  void on_alarm(const mqtt_session::received& r);
  // After the alarm is in the journal: the agent may drop it from its outbox.
  void confirm(const std::string& node, const std::string& id);

  const master_config& config_;
  alarm_journal& journal_;
  alarm_limiter& limits_;
  alarm_hook& hook_;
  registry& nodes_;
  master_metrics& metrics_;
  const std::function<void(const std::string&)> journal_failed_;
  const ownership owns_;
  // Alarms journaled while another master owned their node: (node, id) ->
  // the journal line for the hook. Dispatcher thread only.
  std::map<std::pair<std::string, std::string>, std::string> owed_hooks_;
  std::deque<std::pair<std::string, std::string>> owed_order_;
  // Set by subscribe()
  const protocol::topic_scheme* topics_ = nullptr;
  mqtt_session::session* session_ = nullptr;
};

}  // namespace peranda::master
