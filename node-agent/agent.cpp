// SPDX-License-Identifier: Apache-2.0
#include "node-agent/agent.hpp"

#include "core/log/log.hpp"
#include "core/net/host_info.hpp"
#include "node-agent/health/agent_health.hpp"
#include "node-agent/presence/session_counter.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent");
  return l;
}

// How often the dispatcher wakes to close a spool file that got too old.
constexpr auto k_dispatch_wake = std::chrono::milliseconds(200);
// Received messages waiting for the dispatcher.
constexpr std::size_t k_inbound_capacity = 8192;

}  // namespace

agent::agent(agent_config config)
    : config_(std::move(config)),
      topics_(config_.broker.topic_root),
      inbound_(
          topics_, k_inbound_capacity,
          [this](std::string_view reason, const std::string& detail) { reject(reason, detail); }) {}

agent::~agent() { stop(); }

result<void> agent::build_sources(std::uint64_t session) {
  std::vector<std::string> names;
  for (const auto& s : config_.sources) names.push_back(s.name);
  auto rules = rule_engine::create(config_.rules, names);
  if (!rules) return std::unexpected(rules.error());
  rules_ = std::move(*rules);
  for (const auto& s : config_.sources) rules_->set_rate_limit(s.name, s.rule_lines_per_second);

  // The id key lives with the file positions: a line read again keeps its id.
  alarm_sender_settings a{.node = config_.node_id,
                          .session = session,
                          .outbox_dir = config_.spool_dir / "outbox",
                          .outbox_max = config_.alarm_outbox_max,
                          .resend_after = config_.alarm_resend_after,
                          .id_key_file = config_.spool_dir / "state" / "alarm-id.key"};
  a.masters = trusted_masters(config_.masters);
  auto alarms = alarm_sender::create(std::move(a), topics_, config_.broker.session_options());
  if (!alarms) return std::unexpected(alarms.error());
  alarms_ = std::move(*alarms);
  alarms_->subscribe(inbound_);

  sink_ = std::make_unique<line_sink>(
      *spool_, *rules_, [this](const rule_hit& hit) { alarms_->raise(hit); },
      static_cast<std::size_t>(config_.max_line_bytes));
  positions_ = std::make_unique<position_store>(config_.spool_dir / "state" / "positions");
  files_ = std::make_unique<file_watcher>();
  for (const auto& s : config_.sources) {
    if (s.type == source_type::file) {
      files_->add(std::make_unique<file_follower>(s, *sink_, *positions_));
    } else if (s.type == source_type::journal) {
      journals_.push_back(std::make_unique<journal_source>(s, *sink_, *positions_));
    } else {
      execs_.push_back(std::make_unique<exec_source>(s, *sink_));
    }
  }
  return {};
}

result<void> agent::start() {
  auto session_number = next_session(config_.spool_dir / "state");
  if (!session_number) return std::unexpected(session_number.error());

  auto spooled = spool::open(
      {config_.spool_dir / "files", config_.spool_rotate_bytes, config_.spool_rotate_age,
       config_.spool_max_bytes,
       config_.compression == "zstd" ? encoding::zstd : encoding::plain,
       static_cast<int>(config_.compression_level)});
  if (!spooled) return std::unexpected(spooled.error());
  spool_ = std::move(*spooled);
  if (auto ok = build_sources(*session_number); !ok) return ok;

  node_identity id{config_.node_id, machine_id(),    config_.ip,
                   host_name(),     *session_number, PERANDA_VERSION};
  presence_ = std::make_unique<presence>(id, topics_, config_.heartbeat_interval);
  presence_->set_stats_provider([this](protocol::heartbeat& hb) { fill_stats(hb); });

  auto opts = config_.broker.session_options();
  opts.client_id = config_.node_id;
  opts.will = presence_->message_for(protocol::node_state::lost);
  session_ = std::make_unique<mqtt_session::session>(std::move(opts));
  presence_->subscribe(*session_, inbound_);
  session_->on_unmatched(inbound_.unmatched());
  session_->on_connected([this] { presence_->publish_online(); });
  auto completions = completion_log::open(config_.spool_dir / "state" / "completed.jsonl");
  if (!completions) return std::unexpected(completions.error());
  uploader_ =
      std::make_unique<uploader>(uploader_settings{.node = config_.node_id,
                                                   .session = *session_number,
                                                   .ack_timeout = config_.ack_timeout,
                                                   .retries = config_.upload_retries,
                                                   .masters = trusted_masters(config_.masters)},
                                 *spool_, std::move(*completions), *session_, topics_,
                                 inbound_);

  log()->info("node '{}' (ip {}, session {}) starting; broker {}; {} source(s), {} rule(s)",
              config_.node_id, config_.ip, *session_number, config_.broker.url_text(),
              config_.sources.size(), config_.rules.size());
  if (auto ok = alarms_->start(); !ok) return ok;
  presence_->start(*session_);
  dispatcher_ = std::jthread([this](std::stop_token stop) {
    inbound_.run(stop, k_dispatch_wake, [this] {
      if (auto ok = spool_->rotate_if_old(); !ok) log()->error("spool: {}", ok.error().message);
    });
  });
  uploader_->start();
  if (auto ok = session_->start(); !ok) return ok;
  if (auto ok = files_->start(); !ok) return ok;
  for (auto& j : journals_) {
    if (auto ok = j->start(); !ok) return ok;
  }
  for (auto& e : execs_) e->start();
  return {};
}

void agent::reject(std::string_view reason, const std::string& detail) {
  // Only presence is retained by design: a request or ack left retained on
  // the broker would otherwise be acted on again at every reconnect.
  if (reason == "retained_ignored") return retained_ignored_.refuse("on " + detail);
  // A topic a persistent session still holds from an earlier version (alarm
  // acks came to the main session once) is not the sender's fault.
  if (reason == "unexpected_topic") return;
  if (reason == "inbox_full" || reason == "sender_share_full") return;  // in messages_dropped
  auto n = ++messages_invalid_;
  // Once with the reason, then a reminder every 100: a flood must not flood the log.
  if (n == 1 || n % 100 == 0) log()->warn("dropped invalid {} ({} so far): {}", reason, n, detail);
}

std::vector<protocol::health_reason> agent::health() const {
  if (!spool_ || !alarms_ || !sink_) return {};  // start() failed half-way
  auto s = spool_->stats();
  return judge_agent_health(
      {.spool_bytes = s.closed_bytes + s.active_bytes,
       .spool_max_bytes = config_.spool_max_bytes,
       .oldest_alarm_wait = alarms_->oldest_wait(std::chrono::steady_clock::now()),
       .alarm_wait_bound = config_.health_alarm_wait,
       .failing_sources = sink_->status().failing()});
}

void agent::fill_stats(protocol::heartbeat& hb) {
  auto s = spool_->stats();
  hb.health = health();
  hb.backlog_files = s.closed_files;
  hb.backlog_bytes = s.closed_bytes;
  hb.counters = {
      {"lines_spooled", sink_->lines_spooled()},
      {"lines_dropped", sink_->lines_dropped()},
      {"lines_truncated", sink_->lines_truncated()},
      {"events_split", sink_->events_split()},
      {"source_gaps", sink_->source_gaps()},
      {"lines_unchecked", rules_->lines_unchecked()},
      {"alarms_raised", alarms_->raised()},
      {"alarms_sent", alarms_->sent()},
      {"alarms_confirmed", alarms_->confirmed()},
      {"alarms_pending", alarms_->pending()},
      {"alarms_dropped", alarms_->dropped()},
      {"alarms_refused", alarms_->refused()},
      {"uploads_done", uploader_->uploads_done()},
      {"uploads_failed", uploader_->uploads_failed()},
      {"chunks_resent", uploader_->chunks_resent()},
      {"spool_active_bytes", s.active_bytes},
      {"spool_dropped_files", s.dropped_files},
      {"spool_dropped_bytes", s.dropped_bytes},
      {"messages_invalid", messages_invalid_.load()},
      {"messages_retained_ignored", retained_ignored_.count()},
      {"requests_refused", uploader_->requests_refused()},
      {"not_owner_replies", uploader_->not_owner_replies()},
      {"acks_refused", uploader_->acks_refused()},
      {"alarm_acks_refused", alarms_->acks_refused()},
      {"messages_dropped", inbound_.dropped() + uploader_->events_dropped()},
      {"mqtt_fresh_clients", session_->fresh_clients() + alarms_->fresh_clients()},
      {"mqtt_slot_waits_given_up", session_->slot_waits_given_up()},
      {"mqtt_broker_switches", session_->broker_switches() + alarms_->broker_switches()},
  };
}

void agent::stop() {
  if (!session_) return;
  for (auto& e : execs_) e->stop();
  for (auto& j : journals_) j->stop();
  files_->stop();
  dispatcher_.request_stop();
  if (dispatcher_.joinable()) dispatcher_.join();
  presence_->stop();
  // Before the uploader: a publish it waits in (broker down, window full)
  // returns once the session stops.
  session_->stop(presence_->message_for(protocol::node_state::offline));
  uploader_->stop();
  session_.reset();
  alarms_->stop();
  log()->info("stopped");
}

}  // namespace peranda::agent
