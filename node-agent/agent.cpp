// SPDX-License-Identifier: Apache-2.0
#include "node-agent/agent.hpp"

#include "core/log/log.hpp"
#include "core/net/host_info.hpp"
#include "node-agent/presence/session_counter.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent");
  return l;
}

}  // namespace

agent::agent(agent_config config) : config_(std::move(config)), topics_(config_.broker.topic_root) {}

agent::~agent() { stop(); }

result<void> agent::start() {
  auto session_number = next_session(config_.spool_dir / "state");
  if (!session_number) return std::unexpected(session_number.error());

  node_identity id{config_.node_id, machine_id(), config_.ip, host_name(), *session_number,
                   PERANDA_VERSION};
  presence_ = std::make_unique<presence>(id, topics_, config_.heartbeat_interval);

  auto opts = config_.broker.session_options();
  opts.client_id = config_.node_id;
  opts.will = presence_->message_for(protocol::node_state::lost);
  session_ = std::make_unique<mqtt_session::session>(std::move(opts));
  session_->subscribe(presence_->topic(), 1);
  session_->on_connected([this] { presence_->publish_online(); });

  presence_->start(*session_);
  dispatcher_ = std::jthread([this](std::stop_token stop) { dispatch(stop); });
  log()->info("node '{}' (ip {}, session {}) starting; broker {}", config_.node_id, config_.ip,
              *session_number, config_.broker.url);
  return session_->start();
}

void agent::dispatch(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto msg = session_->inbox().pop_for(std::chrono::milliseconds(200));
    if (!msg) continue;
    auto topic = topics_.parse(msg->topic);
    if (!topic) {
      log()->warn("ignoring message: {}", topic.error().message);
      continue;
    }
    if (topic->kind == protocol::topic_kind::heartbeat && topic->owner == config_.node_id) {
      presence_->handle_echo(*msg);
    }
  }
}

void agent::stop() {
  if (!session_) return;
  dispatcher_.request_stop();
  if (dispatcher_.joinable()) dispatcher_.join();
  presence_->stop();
  session_->stop(presence_->message_for(protocol::node_state::offline));
  session_.reset();
  log()->info("stopped");
}

}  // namespace peranda::agent
