// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <thread>

#include "core/error.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/bounded_queue.hpp"
#include "master-service/alarms/alarm_hook.hpp"
#include "master-service/alarms/alarm_journal.hpp"
#include "master-service/alarms/alarm_limiter.hpp"
#include "master-service/http/api_server.hpp"
#include "master-service/master_config.hpp"
#include "master-service/metrics/counters.hpp"
#include "master-service/receiver/receiver.hpp"
#include "master-service/registry/registry.hpp"
#include "master-service/scheduler/pull_tracker.hpp"
#include "master-service/scheduler/scheduler.hpp"
#include "master-service/storage/storage_layout.hpp"

namespace peranda::master {

// peranda-master's parts wired together: the MQTT session (with a retained
// presence and its Will), the dispatcher that routes each received message
// to its owner, the upload thread that feeds the receiver (upload messages
// bypass the dispatcher), the registry,
// the scheduler's workers, the alarm journal and hook, and the HTTP API.
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
  void dispatch(std::stop_token stop);
  void route(const mqtt_session::message& msg);
  // On Paho's thread: queues upload messages and replies for the upload
  // thread (the payload is moved, not copied; a reply in order with the
  // begins that follow it) and leaves the rest to the dispatcher. Drops,
  // counted, before they take memory: retained ones, chunks larger than
  // chunk_size or of no transfer the gate expects, unrequested begins
  // beyond the node's answer budget, and whatever would exceed the
  // backlog's bytes.
  bool claim_upload(mqtt_session::message& msg);
  void receive_uploads(std::stop_token stop);
  void on_heartbeat(const protocol::parsed_topic& topic, const mqtt_session::message& msg);
  void on_alarm(const protocol::parsed_topic& topic, const mqtt_session::message& msg);
  // On the upload thread.
  void on_reply(const protocol::parsed_topic& topic, std::string_view payload);
  void send_ack(const std::string& node, const protocol::logs_ack& ack);
  // After the alarm is in the journal: the agent may drop it from its outbox.
  void confirm_alarm(const std::string& node, const std::string& id);
  // Tells nodes over their alarm rate which alarms were refused (tick).
  void send_alarm_refusals();
  void log_alarm_refusals();
  result<void> send_request(const std::string& node, const protocol::logs_request& req);
  mqtt_session::message presence(protocol::node_state state) const;

  struct upload_message {
    protocol::parsed_topic topic;
    std::string payload;
    std::size_t oversized = 0;  // a chunk of this size, dropped unread
  };

  // Constant after construction
  const master_config config_;
  const protocol::topic_scheme topics_;
  const std::uint64_t session_id_;
  const storage_layout layout_;

  master_metrics metrics_;
  registry registry_;
  alarm_journal journal_;
  alarm_limiter alarm_limits_;
  alarm_hook hook_;
  pull_tracker pulls_;
  scheduler scheduler_;
  receiver receiver_;
  bounded_queue<upload_message> uploads_;
  const std::uint64_t upload_backlog_limit_;  // bytes of uploads_' payloads
  std::unique_ptr<mqtt_session::session> session_;
  std::unique_ptr<api_server> api_;
  std::jthread dispatcher_;
  std::jthread upload_thread_;
  unsigned ticks_ = 0;
};

}  // namespace peranda::master
