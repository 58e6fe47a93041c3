// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/mutex.hpp"
#include "master-service/alarms/alarm_hook.hpp"
#include "master-service/alarms/alarm_journal.hpp"
#include "master-service/fleet/fleet_watch.hpp"
#include "master-service/fleet/owed_alarms.hpp"
#include "master-service/metrics/counters.hpp"

namespace peranda::master {

// Raises what fleet_watch decides: each fleet alarm is appended to the
// alarm journal like a node's (rule `fleet.<event>`, source the master's
// id, the text as `line`); only a new one (not a (node, id) the journal
// has seen) goes to the hook and is published, QoS 1 and not retained, on
// `fleet/alarms/{node}` — and only by the node's owner (`owns`), so a
// watcher sees each event once, not once per master. Every master
// journals it. A master that journaled one while another owned the node
// keeps it owed for `handover` (at most k_max_owed): when the node becomes
// its own within that time (the owner died with the node, e.g. on one
// broker member, and its Will came first) it raises it then; after that
// the owner did. Thread-safe: heartbeats on the dispatcher's thread,
// tick() and forget() on the main thread.
class fleet_alarms {
 public:
  using publisher = std::function<void(mqtt_session::message)>;
  using error_sink = std::function<void(const std::string&)>;
  using ownership = std::function<bool(std::string_view node)>;
  static constexpr std::size_t k_max_owed = 1024;

  fleet_alarms(std::string master_id, std::chrono::milliseconds stale_after,
               const protocol::topic_scheme& topics, alarm_journal& journal, alarm_hook& hook,
               master_metrics& metrics, publisher publish, error_sink journal_failed,
               ownership owns = [](std::string_view) { return true; },
               std::chrono::milliseconds handover = std::chrono::seconds(30));

  // `retained`: see fleet_watch::on_heartbeat.
  void on_heartbeat(const protocol::heartbeat& hb, apply_outcome outcome, bool retained);
  // `connected`: the master's broker connection (see fleet_watch::on_tick).
  void tick(bool connected);
  void forget(const std::string& node);

 private:
  void raise(const std::vector<fleet_alarm>& alarms);
  void deliver(const std::string& node, const std::string& event, const std::string& json);

  // Constant after construction
  const std::string master_id_;
  const protocol::topic_scheme& topics_;
  alarm_journal& journal_;
  alarm_hook& hook_;
  master_metrics& metrics_;
  const publisher publish_;
  const error_sink journal_failed_;
  const ownership owns_;

  mutex mu_;
  fleet_watch watch_ GUARDED_BY(mu_);
  owed_alarms owed_ GUARDED_BY(mu_);
};

}  // namespace peranda::master
