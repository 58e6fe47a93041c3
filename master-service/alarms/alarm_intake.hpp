// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>

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
// send_refusals(). Alarms are handled on the dispatcher's thread.
class alarm_intake {
 public:
  // `journal_failed` hears of every failed append (the master's health).
  alarm_intake(const master_config& config, alarm_journal& journal, alarm_limiter& limits,
               alarm_hook& hook, registry& nodes, master_metrics& metrics,
               std::function<void(const std::string&)> journal_failed);

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
  // Set by subscribe()
  const protocol::topic_scheme* topics_ = nullptr;
  mqtt_session::session* session_ = nullptr;
};

}  // namespace peranda::master
