// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "node-agent/agent_config.hpp"
#include "node-agent/alarms/alarm_sender.hpp"
#include "node-agent/presence/presence.hpp"
#include "node-agent/rules/rule_engine.hpp"
#include "node-agent/sources/exec_source.hpp"
#include "node-agent/sources/file_position.hpp"
#include "node-agent/sources/file_watcher.hpp"
#include "node-agent/sources/journal_source.hpp"
#include "node-agent/sources/line_sink.hpp"
#include "node-agent/spool/spool.hpp"
#include "node-agent/trust/refusal_counter.hpp"
#include "node-agent/upload/uploader.hpp"

namespace peranda::agent {

// peranda-agent's parts wired together: spool, rules, sources, the alarm
// sender (its own MQTT session), the main MQTT session with presence and
// uploader, and the dispatcher thread that hands each part the messages of
// the topics it subscribed (and closes spool files that got too old).
// start()/stop() from one thread (main).
class agent {
 public:
  explicit agent(agent_config config);
  ~agent();

  [[nodiscard]] result<void> start();
  // Clean stop: publishes `offline`, then disconnects (the broker drops the Will).
  void stop();

  const agent_config& config() const { return config_; }
  // The agent's own health now (empty: healthy); what its heartbeat reports.
  std::vector<protocol::health_reason> health() const;
  // Connected, with the subscriptions sent (what systemd's READY=1 promises).
  bool ready() const { return session_ && session_->is_connected(); }

 private:
  // Counts what the dispatcher or a part refused.
  void reject(std::string_view reason, const std::string& detail);
  void fill_stats(protocol::heartbeat& hb);
  [[nodiscard]] result<void> build_sources(std::uint64_t session);

  // Constant after construction
  const agent_config config_;
  const protocol::topic_scheme topics_;

  std::atomic<std::uint64_t> messages_invalid_{0};
  refusal_counter retained_ignored_{"retained message"};
  mqtt_session::dispatcher inbound_;

  std::unique_ptr<spool> spool_;
  std::unique_ptr<rule_engine> rules_;
  std::unique_ptr<alarm_sender> alarms_;
  std::unique_ptr<line_sink> sink_;
  std::unique_ptr<position_store> positions_;
  std::unique_ptr<file_watcher> files_;
  std::vector<std::unique_ptr<exec_source>> execs_;
  std::vector<std::unique_ptr<journal_source>> journals_;
  std::unique_ptr<presence> presence_;
  std::unique_ptr<mqtt_session::session> session_;
  std::unique_ptr<uploader> uploader_;
  std::jthread dispatcher_;
};

}  // namespace peranda::agent
