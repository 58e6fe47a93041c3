// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <thread>

#include "core/error.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "node-agent/agent_config.hpp"
#include "node-agent/presence/presence.hpp"

namespace peranda::agent {

// peranda-agent's parts wired together: the MQTT session, presence, and the
// dispatcher thread that routes received messages to the part that owns
// their topic. start()/stop() from one thread (main).
class agent {
 public:
  explicit agent(agent_config config);
  ~agent();

  [[nodiscard]] result<void> start();
  // Clean stop: publishes `offline`, then disconnects (the broker drops the Will).
  void stop();

  const agent_config& config() const { return config_; }
  // Connected, with the subscriptions sent (what systemd's READY=1 promises).
  bool ready() const { return session_ && session_->is_connected(); }

 private:
  void dispatch(std::stop_token stop);

  // Constant after construction
  const agent_config config_;
  const protocol::topic_scheme topics_;

  std::unique_ptr<presence> presence_;
  std::unique_ptr<mqtt_session::session> session_;
  std::jthread dispatcher_;
};

}  // namespace peranda::agent
