// SPDX-License-Identifier: Apache-2.0
#include "node-agent/presence/presence.hpp"

#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.presence");
  return l;
}

}  // namespace

presence::presence(node_identity id, const protocol::topic_scheme& topics,
                   std::chrono::milliseconds interval)
    : topic_(topics.heartbeat(id.node)),
      interval_(interval),
      machine_(std::move(id), std::chrono::steady_clock::now()) {}

presence::~presence() { stop(); }

void presence::set_stats_provider(stats_provider provider) {
  lock_guard lock(mu_);
  stats_ = std::move(provider);
}

mqtt_session::message presence::message_for(protocol::node_state state) {
  protocol::heartbeat hb;
  {
    lock_guard lock(mu_);
    hb = machine_.next(state, std::chrono::steady_clock::now(), wall_clock_ms());
    if (stats_ && state == protocol::node_state::online) stats_(hb);
  }
  return {topic_, protocol::encode(hb), 1, true};
}

void presence::subscribe(mqtt_session::session& session, mqtt_session::dispatcher& inbound) {
  session.subscribe(topic_, 1,
                    inbound.to([this](const mqtt_session::received& r) { handle_echo(r.msg); },
                               mqtt_session::dispatcher::retained::taken));
}

void presence::start(mqtt_session::session& session) {
  session_ = &session;
  ticker_ = std::jthread([this](std::stop_token stop) {
    while (wait_or_stop(stop, interval_)) {
      auto* s = session_.load();
      if (!s || !s->is_connected()) continue;
      if (auto ok = s->publish(message_for(protocol::node_state::online)); !ok) {
        log()->warn("heartbeat not published: {}", ok.error().message);
      }
    }
  });
}

void presence::stop() {
  ticker_.request_stop();
  if (ticker_.joinable()) ticker_.join();
  session_ = nullptr;
}

void presence::publish_online() {
  auto* s = session_.load();
  if (!s) return;
  if (auto ok = s->publish(message_for(protocol::node_state::online), {}, false); !ok) {
    log()->warn("online heartbeat not published: {}", ok.error().message);
  }
}

void presence::handle_echo(const mqtt_session::message& msg) {
  auto hb = protocol::decode_heartbeat(msg.payload);
  presence_machine::echo_action action;
  node_identity id;
  {
    lock_guard lock(mu_);
    action = machine_.on_echo(hb ? std::optional(*hb) : std::nullopt);
    id = machine_.identity();
  }
  switch (action) {
    case presence_machine::echo_action::none:
      return;
    case presence_machine::echo_action::other_agent:
      log()->error(
          "another agent with node id '{}' (session {}, machine {}) is publishing; "
          "node ids must be unique",
          id.node, hb->session, hb->machine_id);
      return;
    case presence_machine::echo_action::publish_online:
      if (!hb) {
        log()->warn("own heartbeat topic holds an invalid document ({}); overwriting it",
                    hb.error().message);
      } else {
        log()->info("broker holds '{}' for session {}; publishing online for session {}",
                    protocol::to_string(hb->state), hb->session, id.session);
      }
      publish_online();
      return;
  }
}

}  // namespace peranda::agent
