// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <thread>

#include "core/error.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "master-service/http/api_server.hpp"
#include "master-service/master_config.hpp"
#include "master-service/registry/registry.hpp"

namespace peranda::master {

// peranda-master's parts wired together: the MQTT session, the dispatcher
// that routes each received message to its owner, the registry and the HTTP
// API. start()/stop() from one thread (main).
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
  void on_heartbeat(const mqtt_session::message& msg);

  // Constant after construction
  const master_config config_;
  const protocol::topic_scheme topics_;

  registry registry_;
  std::unique_ptr<mqtt_session::session> session_;
  std::unique_ptr<api_server> api_;
  std::jthread dispatcher_;
};

}  // namespace peranda::master
