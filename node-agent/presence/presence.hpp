// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/mutex.hpp"
#include "node-agent/presence/presence_machine.hpp"

namespace peranda::agent {

// Publishes the retained heartbeat: at every connect, every `interval`, and
// again whenever the broker's retained copy says anything but our `online`
// (a late Will, or a broker restart that fired every Will). Builds the Will
// and the clean-stop `offline` message too. What a heartbeat says and how an
// echo is answered is presence_machine's (Sans-I/O); this class publishes.
// Thread-safe.
class presence {
 public:
  // Fills backlog and counters of a heartbeat about to be sent. Called on
  // the heartbeat thread and on Paho's thread; must be quick and thread-safe.
  using stats_provider = std::function<void(protocol::heartbeat&)>;

  presence(node_identity id, const protocol::topic_scheme& topics,
           std::chrono::milliseconds interval);
  ~presence();

  mqtt_session::message message_for(protocol::node_state state);
  const std::string& topic() const { return topic_; }

  void set_stats_provider(stats_provider provider);

  // REQUIRES: before session.start(). Our own retained heartbeat, read back
  // from the broker, goes to handle_echo() on `inbound`'s thread.
  void subscribe(mqtt_session::session& session, mqtt_session::dispatcher& inbound);
  // REQUIRES: `session` outlives this object (or stop() was called).
  void start(mqtt_session::session& session);
  void stop();

  // Publishes `online` without waiting (safe on Paho's thread).
  void publish_online();
  // Reacts to our own retained heartbeat as read back from the broker.
  void handle_echo(const mqtt_session::message& msg);

 private:
  // Constant after construction
  const std::string topic_;
  const std::chrono::milliseconds interval_;

  std::atomic<mqtt_session::session*> session_{nullptr};
  mutex mu_;
  presence_machine machine_ GUARDED_BY(mu_);
  stats_provider stats_ GUARDED_BY(mu_);
  std::jthread ticker_;
};

}  // namespace peranda::agent
