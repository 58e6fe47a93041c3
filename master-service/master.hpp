// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <thread>

#include "core/error.hpp"
#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "core/runtime/pid_file.hpp"
#include "master-service/alarms/alarm_hook.hpp"
#include "master-service/alarms/alarm_intake.hpp"
#include "master-service/alarms/alarm_journal.hpp"
#include "master-service/alarms/alarm_limiter.hpp"
#include "master-service/fleet/fleet_alarms.hpp"
#include "master-service/health/health_monitor.hpp"
#include "master-service/http/api_server.hpp"
#include "master-service/master_config.hpp"
#include "master-service/masters/masters_watch.hpp"
#include "master-service/metrics/counters.hpp"
#include "master-service/receiver/receiver.hpp"
#include "master-service/receiver/upload_intake.hpp"
#include "master-service/registry/heartbeat_intake.hpp"
#include "master-service/registry/registry.hpp"
#include "master-service/scheduler/pull_tracker.hpp"
#include "master-service/scheduler/scheduler.hpp"
#include "master-service/storage/storage_layout.hpp"

namespace peranda::master {

// peranda-master's parts wired together: the MQTT session (with a retained
// presence and its Will), the dispatcher thread that hands heartbeats and
// alarms to the parts that subscribed them, the view of the other masters
// (which nodes are this one's) and the thread that beats this master's
// status and expires silent peers, the upload intake (its own
// thread, fed on Paho's), the registry, the scheduler's workers, the alarm
// journal and hook, and the HTTP API.
// start()/stop()/tick() from one thread (main).
class master {
 public:
  explicit master(master_config config);
  ~master();

  [[nodiscard]] result<void> start();
  void stop();
  // Housekeeping from the main loop (about once a second).
  void tick();

  const registry& nodes() const { return registry_; }
  // Connected, with the subscriptions sent (what systemd's READY=1 promises).
  bool ready() const { return session_ && session_->is_connected(); }

 private:
  void send_ack(const std::string& node, const protocol::logs_ack& ack);
  // Asks the node, with the request, about the files it has not confirmed.
  result<void> send_request(const std::string& node, protocol::logs_request req);
  // The store id and the unconfirmed files of data_dir; an error is logged
  // (every copy is then kept, unwatched).
  void open_unconfirmed_ledger();
  void publish_fleet_alarm(mqtt_session::message msg);
  mqtt_session::message presence(protocol::node_state state) const;
  // Publishes this master's status every beat_interval and expires the
  // peers whose beats stopped (finer than tick(): failover is bounded by
  // beats, and a 1 s tick would add up to a second to it).
  void beat(std::stop_token stop);
  std::vector<master_overview> masters_overview() const;

  // Constant after construction
  const master_config config_;
  const protocol::topic_scheme topics_;
  const std::uint64_t session_id_;
  const storage_layout layout_;

  master_metrics metrics_;
  unconfirmed_ledger unconfirmed_;
  std::unique_ptr<pid_file> journal_writer_;  // this master alone writes its journal
  registry registry_;
  masters_watch masters_;
  alarm_journal journal_;
  alarm_limiter alarm_limits_;
  alarm_hook hook_;
  fleet_alarms fleet_;
  pull_tracker pulls_;
  health_monitor health_;
  scheduler scheduler_;
  receiver receiver_;
  heartbeat_intake heartbeats_;
  alarm_intake alarms_;
  upload_intake uploads_;
  mqtt_session::dispatcher inbound_;
  std::unique_ptr<mqtt_session::session> session_;
  std::unique_ptr<api_server> api_;
  std::jthread dispatcher_;
  std::jthread beater_;
  unsigned ticks_ = 0;
};

}  // namespace peranda::master
