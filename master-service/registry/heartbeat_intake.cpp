// SPDX-License-Identifier: Apache-2.0
#include "master-service/registry/heartbeat_intake.hpp"

#include "core/log/log.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master");
  return l;
}

}  // namespace

heartbeat_intake::heartbeat_intake(registry& nodes, scheduler& queues, master_metrics& metrics,
                                   observer observe)
    : nodes_(nodes), scheduler_(queues), metrics_(metrics), observe_(std::move(observe)) {}

void heartbeat_intake::subscribe(const protocol::topic_scheme& topics,
                                 mqtt_session::session& session,
                                 mqtt_session::dispatcher& inbound) {
  session.subscribe(
      topics.all_nodes("heartbeat"), 1,
      inbound.to([this](const mqtt_session::received& r) { on_heartbeat(r); },
                 mqtt_session::dispatcher::retained::taken));
}

void heartbeat_intake::on_heartbeat(const mqtt_session::received& r) {
  const auto& msg = r.msg;
  if (msg.payload.empty()) return;  // a cleared retained message
  auto hb = protocol::decode_heartbeat(msg.payload);
  if (!hb) return metrics_.rejected_messages.reject("bad_heartbeat", hb.error().message);
  if (hb->node != r.topic.owner) {
    return metrics_.rejected_messages.reject(
        "node_mismatch", fmt::format("heartbeat on '{}' names node '{}'", msg.topic, hb->node));
  }
  auto outcome = nodes_.apply(*hb, std::chrono::steady_clock::now());
  observe_(*hb, outcome, msg.retained);
  if (outcome == apply_outcome::added) {
    log()->info("new node '{}' ({}, {})", hb->node, hb->ip, protocol::to_string(hb->state));
  } else if (outcome == apply_outcome::conflict) {
    log()->error("node id '{}' claimed by two machines ({} is new); not merged", hb->node,
                 hb->machine_id);
    return;
  }
  if (outcome == apply_outcome::added || outcome == apply_outcome::updated) {
    nodes_.set_queue(hb->node, static_cast<int>(scheduler_.add(hb->node)));
  }
}

}  // namespace peranda::master
