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
    : id_(std::move(id)), topic_(topics.heartbeat(id_.node)), interval_(interval) {}

presence::~presence() { stop(); }

void presence::set_stats_provider(stats_provider provider) {
  lock_guard lock(mu_);
  stats_ = std::move(provider);
}

mqtt_session::message presence::message_for(protocol::node_state state) {
  protocol::heartbeat hb;
  hb.node = id_.node;
  hb.machine_id = id_.machine_id;
  hb.ip = id_.ip;
  hb.hostname = id_.hostname;
  hb.state = state;
  hb.session = id_.session;
  hb.seq = seq_.fetch_add(1);
  hb.uptime_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count());
  hb.agent_version = id_.version;
  hb.ts_ms = wall_clock_ms();
  {
    lock_guard lock(mu_);
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
  if (!hb) {
    log()->warn("own heartbeat topic holds an invalid document ({}); overwriting it",
                hb.error().message);
    publish_online();
    return;
  }
  if (hb->state == protocol::node_state::online && hb->session == id_.session) return;
  if (hb->session > id_.session) {
    log()->error(
        "another agent with node id '{}' (session {}, machine {}) is publishing; "
        "node ids must be unique",
        id_.node, hb->session, hb->machine_id);
    return;
  }
  log()->info("broker holds '{}' for session {}; publishing online for session {}",
              protocol::to_string(hb->state), hb->session, id_.session);
  publish_online();
}

}  // namespace peranda::agent
