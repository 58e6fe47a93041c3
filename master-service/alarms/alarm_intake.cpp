// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_intake.hpp"

#include "core/log/log.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/util/clock.hpp"
#include "master-service/alarms/alarm_size.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master");
  return l;
}

}  // namespace

alarm_intake::alarm_intake(const master_config& config, alarm_journal& journal,
                           alarm_limiter& limits, alarm_hook& hook, registry& nodes,
                           master_metrics& metrics,
                           std::function<void(const std::string&)> journal_failed,
                           ownership owns)
    : config_(config),
      journal_(journal),
      limits_(limits),
      hook_(hook),
      nodes_(nodes),
      metrics_(metrics),
      journal_failed_(std::move(journal_failed)),
      owns_(std::move(owns)) {}

void alarm_intake::subscribe(const protocol::topic_scheme& topics, mqtt_session::session& session,
                             mqtt_session::dispatcher& inbound) {
  topics_ = &topics;
  session_ = &session;
  session.subscribe(topics.all_nodes("alarm"), 1,
                    inbound.to([this](const mqtt_session::received& r) { on_alarm(r); }));
}

void alarm_intake::on_alarm(const mqtt_session::received& r) {
  const auto& msg = r.msg;
  auto a = protocol::decode_alarm(msg.payload);
  if (!a) return metrics_.rejected_messages.reject("bad_alarm", a.error().message);
  // Confirmations and refusals go to the topic's node only: the broker's
  // ACL vouches for it, the payload's node must agree.
  if (a->node != r.topic.owner) {
    return metrics_.rejected_messages.reject(
        "node_mismatch", fmt::format("alarm on '{}' names node '{}'", msg.topic, a->node));
  }
  // Repeats count too: each costs a confirmation. A refused alarm is not
  // confirmed, so its agent keeps it and sends it again later.
  if (!limits_.admit(a->node, a->id, std::chrono::steady_clock::now())) {
    metrics_.alarms_limited.add("rate");
    return;
  }
  if (fit_alarm(*a, config_.alarm_max_bytes)) metrics_.alarms_limited.add("size");
  auto entry = journal_.append(*a, wall_clock_ms());
  if (!entry) {
    log()->error("alarm '{}' from '{}' not journaled: {}", a->id, a->node, entry.error().message);
    journal_failed_(entry.error().message);
    return metrics_.rejected_messages.reject("journal_error", entry.error().message);
  }
  // Only the owner confirms: the agent keeps resending an alarm until one
  // does, so a new owner gets what a dead one never confirmed.
  bool mine = owns_(a->node);
  // A repeat is confirmed again: the agent resends only what it never saw
  // confirmed, so the first confirmation was lost (or its line not yet on disk).
  if (mine) journal_.after_durable([this, node = a->node, id = a->id] { confirm(node, id); });
  auto key = std::pair(a->node, a->id);
  if (!*entry) {
    ++metrics_.alarm_duplicates;
    if (auto owed = owed_hooks_.find(key); mine && owed != owed_hooks_.end()) {
      hook_.submit(a->node, owed->second);
      owed_hooks_.erase(owed);
    }
    return;
  }
  ++metrics_.alarms;
  if (mine) {
    hook_.submit(a->node, (*entry)->json);
    return;
  }
  if (owed_order_.size() >= k_max_owed_hooks) {
    // Hooks already run leave stale keys here: only a real one is a loss.
    if (owed_hooks_.erase(owed_order_.front()) > 0) metrics_.alarms_limited.add("owed_hook_dropped");
    owed_order_.pop_front();
  }
  owed_hooks_.emplace(key, (*entry)->json);
  owed_order_.push_back(std::move(key));
}

void alarm_intake::confirm(const std::string& node, const std::string& id) {
  protocol::alarm_ack ack{config_.id, {id}, {}, 0};
  // Never blocks the dispatcher; a lost confirmation makes the agent resend,
  // and the journal drops the repeat.
  auto ok = session_->publish({topics_->alarm_ack(node), protocol::encode(ack), 1, false}, {},
                              false);
  if (!ok) log()->warn("alarm ack to '{}' not sent: {}", node, ok.error().message);
}

void alarm_intake::send_refusals() {
  // At most one refusal per node and tick, however many alarms it floods.
  for (auto& r : limits_.take_refusals(std::chrono::steady_clock::now())) {
    if (!owns_(r.node)) continue;  // its owner paces it
    nodes_.set_alarms_refused(r.node, r.total);
    protocol::alarm_ack ack{
        config_.id, {}, std::move(r.ids), static_cast<std::uint64_t>(r.retry_after.count())};
    log()->debug("refusing {} alarm(s) of '{}' for rate; retry after {} ms", ack.refused.size(),
                 r.node, ack.retry_after_ms);
    auto ok = session_->publish({topics_->alarm_ack(r.node), protocol::encode(ack), 1, false}, {},
                                false);
    if (!ok) log()->warn("alarm refusal to '{}' not sent: {}", r.node, ok.error().message);
  }
}

void alarm_intake::log_refusals() {
  for (const auto& [node, n] : limits_.take_unlogged()) {
    log()->warn("node '{}' is over its alarm rate limit: {} alarm(s) refused (kept by its agent)",
                node, n);
  }
}

}  // namespace peranda::master
