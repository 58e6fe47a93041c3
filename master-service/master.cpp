// SPDX-License-Identifier: Apache-2.0
#include "master-service/master.hpp"

#include "core/log/log.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master");
  return l;
}

}  // namespace

master::master(master_config config)
    : config_(std::move(config)), topics_(config_.broker.topic_root) {}

master::~master() { stop(); }

result<void> master::start() {
  api_ = std::make_unique<api_server>(config_, registry_);
  if (auto ok = api_->start(); !ok) return ok;

  auto opts = config_.broker.session_options();
  opts.client_id = "master-" + config_.id;
  session_ = std::make_unique<mqtt_session::session>(std::move(opts));
  session_->subscribe(topics_.all_nodes("heartbeat"), 1);
  dispatcher_ = std::jthread([this](std::stop_token stop) { dispatch(stop); });
  log()->info("master '{}' starting; broker {}", config_.id, config_.broker.url);
  return session_->start();
}

void master::dispatch(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto msg = session_->inbox().pop_for(std::chrono::milliseconds(200));
    if (!msg) continue;
    auto topic = topics_.parse(msg->topic);
    if (!topic) {
      log()->warn("rejected message: {}", topic.error().message);
      continue;
    }
    if (topic->kind == protocol::topic_kind::heartbeat) on_heartbeat(*msg);
  }
}

void master::on_heartbeat(const mqtt_session::message& msg) {
  if (msg.payload.empty()) return;  // a cleared retained message
  auto hb = protocol::decode_heartbeat(msg.payload);
  if (!hb) {
    log()->warn("rejected heartbeat on '{}': {}", msg.topic, hb.error().message);
    return;
  }
  auto outcome = registry_.apply(*hb, std::chrono::steady_clock::now());
  if (outcome == apply_outcome::added) {
    log()->info("new node '{}' ({}, {})", hb->node, hb->ip, protocol::to_string(hb->state));
  } else if (outcome == apply_outcome::conflict) {
    log()->error("node id '{}' claimed by two machines ({} is new); not merged", hb->node,
                 hb->machine_id);
  }
}

void master::tick() {
  auto removed = registry_.expire(std::chrono::steady_clock::now(), config_.stale_after,
                                  config_.forget_after);
  for (const auto& node : removed) log()->info("forgot node '{}'", node);
}

void master::stop() {
  if (!session_) return;
  dispatcher_.request_stop();
  if (dispatcher_.joinable()) dispatcher_.join();
  session_->stop();
  session_.reset();
  if (api_) api_->stop();
  log()->info("stopped");
}

}  // namespace peranda::master
