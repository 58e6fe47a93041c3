// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_sender.hpp"

#include "core/fs/sha256.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/util/clock.hpp"
#include "node-agent/alarms/alarm_ids.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.alarms");
  return l;
}

}  // namespace

result<std::unique_ptr<alarm_sender>> alarm_sender::create(alarm_sender_settings settings,
                                                           const protocol::topic_scheme& topics,
                                                           mqtt_session::options session_options) {
  auto outbox = alarm_outbox::open(settings.outbox_dir, settings.outbox_max);
  if (!outbox) return std::unexpected(outbox.error());
  auto id_key = load_or_create_id_key(settings.id_key_file);
  if (!id_key) return std::unexpected(id_key.error());
  topic_names names{topics.alarm(settings.node), topics.alarm_ack(settings.node),
                    topics.all_masters()};
  return std::unique_ptr<alarm_sender>(new alarm_sender(std::move(settings), std::move(names),
                                                        std::move(*outbox), std::move(*id_key),
                                                        std::move(session_options)));
}

alarm_sender::alarm_sender(alarm_sender_settings settings, topic_names topics, alarm_outbox outbox,
                           std::string id_key, mqtt_session::options session_options)
    : settings_(std::move(settings)),
      topics_(std::move(topics)),
      id_key_(std::move(id_key)),
      outbox_(std::move(outbox)),
      machine_(settings_.resend_after, settings_.max_inflight) {
  auto now = std::chrono::steady_clock::now();
  for (const auto& [key, payload] : outbox_.entries()) {
    // The outbox only loads entries that decode.
    auto id = protocol::decode_alarm(payload).value().id;
    machine_.add(key, std::move(id), payload, now);
  }
  // No Will: presence belongs to the main session.
  session_options.client_id = settings_.node + ":alarms";
  session_options.will.reset();
  session_options.clean_session = false;
  session_options.max_inflight = settings_.max_inflight;
  session_ = std::make_unique<mqtt_session::session>(std::move(session_options));
  session_->on_connected([this] {
    {
      lock_guard lock(mu_);
      machine_.connected();
    }
    wake_.notify_all();
  });
}

void alarm_sender::subscribe(mqtt_session::dispatcher& inbound) {
  session_->subscribe(topics_.ack, 1, inbound.to([this, &inbound](const mqtt_session::received& r) {
    auto ack = protocol::decode_alarm_ack(r.msg.payload);
    if (!ack) return inbound.reject("alarm ack", ack.error().message);
    confirm(*ack);
  }));
  session_->subscribe(topics_.masters, 1,
                      inbound.to(
                          [this, &inbound](const mqtt_session::received& r) {
                            if (r.msg.payload.empty()) return;  // a cleared retained status
                            auto status = protocol::decode_master_status(r.msg.payload);
                            if (!status)
                              return inbound.reject("master status", status.error().message);
                            master_state(*status);
                          },
                          mqtt_session::dispatcher::retained::taken));
  session_->on_unmatched(inbound.unmatched());
}

alarm_sender::~alarm_sender() { stop(); }

result<void> alarm_sender::start() {
  if (auto ok = session_->start(); !ok) return ok;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  return {};
}

void alarm_sender::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  // Whatever is not acknowledged stays in the outbox for the next start.
  session_->stop();
}

void alarm_sender::raise(const rule_hit& hit) {
  protocol::alarm a;
  a.node = settings_.node;
  a.rule = hit.rule;
  a.level = hit.level;
  a.source = hit.source;
  a.line = hit.line.substr(0, protocol::alarm::k_max_line);
  a.offset = hit.offset;
  a.suppressed = hit.suppressed;
  a.ts_ms = wall_clock_ms();
  std::string key, payload;
  {
    lock_guard lock(mu_);
    // The key orders the outbox (and publishing) by creation, across restarts.
    key = fmt::format("{:012}-{:08}", settings_.session, next_seq_++);
    a.id = alarm_id(hit);
    payload = protocol::encode(a);
    if (!machine_.add(key, a.id, payload, std::chrono::steady_clock::now())) {
      // A line read again after a crash, its alarm still unconfirmed.
      log()->debug("alarm {} is already in the outbox", a.id);
      return;
    }
    saving_.insert(key);
  }
  ++raised_;
  log()->info("alarm {}: rule '{}' ({}) on source '{}'", a.id, a.rule, protocol::to_string(a.level),
              a.source);
  // Published while the outbox write below waits for the disk: its fsyncs
  // were the alarm's latency tail when they came first (docs/benchmarks.md).
  wake_.notify_all();
  lock_guard outbox_lock(outbox_mu_);
  auto added = outbox_.add(key, payload);
  dropped_ = outbox_.dropped();
  bool confirmed_meanwhile = false;
  {
    lock_guard lock(mu_);
    saving_.erase(key);
    if (!added) {
      log()->error("alarm {} not saved in the outbox ({}); sending it from memory only", a.id,
                   added.error().message);
      return;
    }
    for (const auto& dropped : *added) machine_.forget(dropped);
    confirmed_meanwhile = !machine_.holds(key);
  }
  // Not under mu_, which the heartbeat reads on Paho's thread.
  if (confirmed_meanwhile) outbox_.remove(key);
}

std::string alarm_sender::alarm_id(const rule_hit& hit) const {
  if (hit.origin.empty()) {
    if (auto id = random_alarm_id()) return *id;
    // getrandom() fails only on a kernel without it: keyed, still unguessable.
    log()->error("no random alarm id; deriving one from the agent's key");
    return "a" + sha256_hex(fmt::format("{}\n{}\n{}", id_key_, wall_clock_ms(), raised_.load()))
                     .substr(0, 32);
  }
  // A line of a file is alarmed under the same id if it is read again after
  // a crash (position not yet saved): receivers drop the repeat.
  auto line_key = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", settings_.node, hit.rule, hit.source,
                              hit.origin, hit.offset, hit.recovery);
  return line_alarm_id(id_key_, line_key);
}

void alarm_sender::on_completion(const std::string& key, bool delivered) {
  {
    lock_guard lock(mu_);
    if (machine_.on_completion(key, delivered)) ++sent_;
  }
  wake_.notify_all();
}

void alarm_sender::confirm(const protocol::alarm_ack& ack) {
  if (!settings_.masters.allows(ack.master_id)) {
    return acks_refused_.refuse(
        fmt::format("master '{}' is not in [agent] masters; the alarms stay", ack.master_id));
  }
  std::vector<std::string> done;
  {
    lock_guard lock(mu_);
    auto confirmed = machine_.on_ack(ack, std::chrono::steady_clock::now());
    if (!ack.refused.empty()) {
      refused_ += ack.refused.size();
      log()->warn("master '{}' refused {} alarm(s) for rate; holding them for {} ms", ack.master_id,
                  ack.refused.size(), ack.retry_after_ms);
    }
    confirmed_ += confirmed.size();
    // One still being written is removed by raise() once written.
    for (auto& key : confirmed) {
      if (!saving_.contains(key)) done.push_back(std::move(key));
    }
  }
  // mu_ is released first: raise() takes outbox_mu_ before mu_.
  lock_guard outbox_lock(outbox_mu_);
  for (const auto& key : done) outbox_.remove(key);
}

void alarm_sender::master_state(const protocol::master_status& status) {
  if (!settings_.masters.allows(status.master_id)) return;  // it would not confirm
  {
    lock_guard lock(mu_);
    if (status.state != protocol::node_state::online) {
      machine_.master_offline(status.master_id);
      return;
    }
    machine_.master_online(status.master_id, status.session);
  }
  wake_.notify_all();
}

void alarm_sender::publish_due() {
  auto now = std::chrono::steady_clock::now();
  auto due = machine_.tick(now, session_->is_connected());
  if (due.empty()) return;
  // Publish unlocked: a completion may run before publish() returns.
  mu_.unlock();
  std::vector<std::string> refused;
  for (auto& [key, payload] : due) {
    auto ok = session_->publish(
        {topics_.alarm, std::move(payload), 1, false},
        [this, key](bool delivered) { on_completion(key, delivered); }, false);
    if (!ok) {
      log()->warn("alarm {} not published yet: {}", key, ok.error().message);
      refused.push_back(key);
    }
  }
  mu_.lock();
  machine_.not_taken(refused, now);
}

void alarm_sender::run(std::stop_token stop) {
  unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    publish_due();
    // Woken by new alarms, completions, reconnects and masters coming
    // online; the timeout drives resends (and retries after a refused publish).
    // A reconnect wakes only what can send: waking for one during a hold
    // would spin with mu_ held.
    wake_.wait_for(lock, stop, std::chrono::seconds(1), [&]() REQUIRES(mu_) {
      return machine_.has_due(std::chrono::steady_clock::now(), session_->is_connected());
    });
  }
}

std::optional<std::chrono::milliseconds> alarm_sender::oldest_wait(
    std::chrono::steady_clock::time_point now) const {
  lock_guard lock(mu_);
  return machine_.oldest_wait(now);
}

std::uint64_t alarm_sender::pending() const {
  lock_guard lock(mu_);
  return machine_.pending();
}

std::vector<std::string> alarm_sender::unconfirmed_ids() const {
  lock_guard lock(mu_);
  return machine_.ids();
}

}  // namespace peranda::agent
