// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_sender.hpp"

#include "core/fs/sha256.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/util/clock.hpp"

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
  auto topic = topics.alarm(settings.node);
  return std::unique_ptr<alarm_sender>(new alarm_sender(
      std::move(settings), std::move(topic), std::move(*outbox), std::move(session_options)));
}

alarm_sender::alarm_sender(alarm_sender_settings settings, std::string topic, alarm_outbox outbox,
                           mqtt_session::options session_options)
    : settings_(std::move(settings)), topic_(std::move(topic)), outbox_(std::move(outbox)) {
  for (const auto& [id, payload] : outbox_.entries()) entries_.emplace(id, entry{payload});
  // No Will: presence belongs to the main session.
  session_options.client_id = settings_.node + "-alarms";
  session_options.will.reset();
  session_options.clean_session = false;
  session_options.max_inflight = settings_.max_inflight;
  session_ = std::make_unique<mqtt_session::session>(std::move(session_options));
  session_->on_connected([this] {
    {
      std::lock_guard lock(mu_);
      reconnected_ = true;
    }
    wake_.notify_all();
  });
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
  {
    std::lock_guard lock(mu_);
    // The key orders the outbox (and publishing) by creation, across restarts.
    auto key = fmt::format("{:012}-{:08}", settings_.session, next_seq_++);
    a.id = alarm_id(hit, key);
    auto payload = protocol::encode(a);
    auto added = outbox_.add(key, payload);
    if (!added) {
      log()->error("alarm {} not saved in the outbox ({}); sending it from memory only", a.id,
                   added.error().message);
    } else {
      for (const auto& dropped : *added) entries_.erase(dropped);
    }
    entries_.emplace(key, entry{std::move(payload)});
  }
  ++raised_;
  log()->info("alarm {}: rule '{}' ({}) on source '{}'", a.id, a.rule, protocol::to_string(a.level),
              a.source);
  wake_.notify_all();
}

std::string alarm_sender::alarm_id(const rule_hit& hit, const std::string& key) const {
  if (hit.origin.empty()) return "a" + key;
  // A line of a file is alarmed under the same id if it is read again after
  // a crash (position not yet saved): receivers drop the repeat.
  auto line_key = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", settings_.node, hit.rule, hit.source,
                              hit.origin, hit.offset, hit.recovery);
  return "f" + sha256_hex(line_key).substr(0, 40);
}

void alarm_sender::on_completion(const std::string& id, bool delivered) {
  {
    std::lock_guard lock(mu_);
    completions_.emplace_back(id, delivered);
  }
  wake_.notify_all();
}

void alarm_sender::publish_due(std::unique_lock<std::mutex>& lock) {
  auto now = std::chrono::steady_clock::now();
  for (auto& [id, done] : completions_) {
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;
    if (done) {
      outbox_.remove(id);
      entries_.erase(it);
      ++sent_;
    } else {
      it->second.inflight = false;
    }
  }
  completions_.clear();
  if (!session_->is_connected()) return;
  bool resend_all = std::exchange(reconnected_, false);
  std::size_t inflight = 0;
  std::vector<std::pair<std::string, std::string>> due;  // id, payload
  for (auto& [id, e] : entries_) {
    if (e.inflight && (resend_all || now - e.sent_at >= settings_.resend_after)) e.inflight = false;
    if (e.inflight) {
      ++inflight;
      continue;
    }
    if (inflight >= settings_.max_inflight) break;
    e.inflight = true;
    e.sent_at = now;
    ++inflight;
    due.emplace_back(id, e.payload);
  }
  // Publish unlocked: a completion may run before publish() returns.
  lock.unlock();
  std::vector<std::string> refused;
  for (auto& [id, payload] : due) {
    auto ok = session_->publish(
        {topic_, std::move(payload), 1, false},
        [this, id](bool delivered) { on_completion(id, delivered); }, false);
    if (!ok) {
      log()->warn("alarm {} not published yet: {}", id, ok.error().message);
      refused.push_back(id);
    }
  }
  lock.lock();
  for (const auto& id : refused) {
    if (auto it = entries_.find(id); it != entries_.end()) it->second.inflight = false;
  }
  if (!refused.empty()) retry_after_ = now + std::chrono::seconds(1);
}

bool alarm_sender::has_due() const {
  if (std::chrono::steady_clock::now() < retry_after_ || !session_->is_connected()) return false;
  std::size_t inflight = 0;
  bool waiting = false;
  for (const auto& [id, e] : entries_) {
    if (e.inflight) {
      ++inflight;
    } else {
      waiting = true;
    }
  }
  return waiting && inflight < settings_.max_inflight;
}

void alarm_sender::run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    publish_due(lock);
    // Woken by new alarms, completions and reconnects; the timeout drives
    // resends (and retries after a refused publish).
    wake_.wait_for(lock, stop, std::chrono::seconds(1),
                   [&] { return !completions_.empty() || reconnected_ || has_due(); });
  }
}

std::uint64_t alarm_sender::dropped() const {
  std::lock_guard lock(mu_);
  return outbox_.dropped();
}

std::uint64_t alarm_sender::pending() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace peranda::agent
