// SPDX-License-Identifier: Apache-2.0
#include "master-service/master.hpp"

#include "core/fs/durable_file.hpp"
#include "core/log/log.hpp"
#include "core/runtime/pid_file.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/util/clock.hpp"
#include "master-service/storage/store_id.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master");
  return l;
}

// Heartbeats and alarms waiting for the dispatcher.
constexpr std::size_t k_inbound_capacity = 8192;
// Rejected-message summaries go to the log at most this often (ticks).
constexpr unsigned k_summary_ticks = 30;

}  // namespace

master::master(master_config config)
    : config_(std::move(config)),
      topics_(config_.broker.topic_root),
      // Milliseconds: two starts within one second still differ.
      session_id_(wall_clock_ms()),
      layout_(config_.data_dir, config_.storage_template),
      metrics_(get_logger("master.input")),
      unconfirmed_(config_.id, {}),
      masters_(config_.id, metrics_),
      journal_(
          config_.alarm_journal, config_.alarm_fsync,
          [this](const std::string& error) {
            log()->error("alarm journal '{}': {}; its latest alarms stay unconfirmed",
                         config_.alarm_journal.string(), error);
            metrics_.rejected_messages.reject("journal_error", error);
            health_.journal_failed(error);
          },
          config_.alarm_journal_limits),
      alarm_limits_(config_.alarm_rate, config_.alarm_burst),
      hook_(config_.alarm_hook, config_.alarm_hook_timeout, config_.alarm_hook_concurrency,
            metrics_),
      fleet_(
          config_.id, config_.stale_after, topics_, journal_, hook_, metrics_,
          [this](mqtt_session::message msg) { publish_fleet_alarm(std::move(msg)); },
          [this](const std::string& error) { health_.journal_failed(error); },
          [this](std::string_view node) { return masters_.owns(node); },
          // A dead owner's nodes move after 1.5 of its beats.
          4 * config_.beat_interval),
      pulls_(metrics_, {config_.max_pull_bytes, config_.max_daily_bytes}),
      health_(
          {config_.data_dir, config_.alarm_journal, config_.min_free_bytes, config_.pull_interval},
          registry_, pulls_),
      scheduler_(config_, registry_, pulls_,
                 [this](const std::string& node, const protocol::logs_request& req) {
                   return send_request(node, req);
                 },
                 {[this] { return masters_.generation(); },
                  [this](const std::string& node) { return masters_.owns(node); },
                  [this](const std::string& node) { return masters_.owner_of(node); },
                  [this](const std::string& node) { return unconfirmed_.has(node); }}),
      receiver_(
          config_, layout_, unconfirmed_, metrics_,
          [this](const std::string& node, const protocol::logs_ack& ack) { send_ack(node, ack); },
          [this](const transfer_outcome& outcome) { pulls_.on_transfer(outcome); },
          // The heartbeat's IP is self-reported: it names a folder, nothing more.
          [this](std::string_view node) {
            auto r = registry_.find(node);
            return r ? r->ip : std::string();
          },
          [this](const protocol::upload_begin& m) {
            return pulls_.admit_upload(m.node, m.request_id, m.file, m.size, wall_clock_ms());
          },
          [this](const std::string& node, const std::string& request_id) {
            return pulls_.is_open(node, request_id);
          }),
      heartbeats_(registry_, scheduler_, metrics_,
                  [this](const protocol::heartbeat& hb, apply_outcome outcome, bool retained) {
                    fleet_.on_heartbeat(hb, outcome, retained);
                  }),
      alarms_(config_, journal_, alarm_limits_, hook_, registry_, metrics_,
              [this](const std::string& error) { health_.journal_failed(error); },
              [this](std::string_view node) { return masters_.owns(node); }),
      uploads_(config_, receiver_, pulls_, unconfirmed_, metrics_),
      inbound_(topics_, k_inbound_capacity,
               [this](std::string_view reason, const std::string& detail) {
                 metrics_.rejected_messages.reject(reason, detail);
               }) {}

master::~master() { stop(); }

mqtt_session::message master::presence(protocol::node_state state) const {
  protocol::master_status s{config_.id,     state,
                            session_id_,    PERANDA_VERSION,
                            wall_clock_ms(), static_cast<std::uint64_t>(config_.beat_interval.count())};
  return {topics_.master_status(config_.id), protocol::encode(s), 1, true};
}

result<void> master::start() {
  // A data_dir that cannot be written is an error per transfer (rejected,
  // counted), not a reason to stop collecting alarms and presence.
  if (auto ok = ensure_directory(config_.data_dir); !ok) log()->error("{}", ok.error().message);
  // Two masters appending to one journal (a shared data_dir with the
  // default alarm_journal) would interleave and rotate each other's lines.
  auto journal_dir = config_.alarm_journal.parent_path();
  auto writer = ensure_directory(journal_dir)
                    ? pid_file::acquire(journal_dir /
                                        ("." + config_.alarm_journal.filename().string() + ".lock"))
                    : result<std::unique_ptr<pid_file>>(fail("cannot create its folder"));
  if (!writer) {
    return failf("alarm journal '{}' cannot be ours: {} (masters sharing a data_dir need an "
                 "alarm_journal each)",
                 config_.alarm_journal.string(), writer.error().message);
  }
  journal_writer_ = std::move(*writer);
  if (auto ok = journal_writer_->write_pid(); !ok) log()->warn("{}", ok.error().message);
  if (auto n = layout_.remove_leftover_parts(config_.id); n > 0) {
    log()->info("removed {} partial file(s) left by an earlier run", n);
  }
  open_unconfirmed_ledger();
  if (auto ok = journal_.open(); !ok) {
    log()->error("{}", ok.error().message);
    health_.journal_failed(ok.error().message);
  }
  health_.probe(std::chrono::steady_clock::now());

  auto opts = config_.broker.session_options();
  opts.client_id = config_.id + ":master";
  opts.will = presence(protocol::node_state::lost);
  session_ = std::make_unique<mqtt_session::session>(std::move(opts));
  heartbeats_.subscribe(topics_, *session_, inbound_);
  masters_.subscribe(topics_, *session_, inbound_);
  alarms_.subscribe(topics_, *session_, inbound_);
  uploads_.subscribe(topics_, *session_);
  session_->on_unmatched(inbound_.unmatched());
  // The API reads session_ from its threads: it exists before they start
  // and is reset only after they stopped.
  api_ = std::make_unique<api_server>(
      config_,
      api_sources{
          registry_, scheduler_, pulls_, receiver_, journal_, metrics_, layout_,
          [this] { return session_->is_connected(); }, health_,
          [this] {
            return session_counters{session_->fresh_clients(), session_->slot_waits_given_up(),
                                    session_->broker_switches()};
          },
          [this] { return masters_overview(); },
          [this](std::string_view node) { return masters_.owner_of(node); }});
  if (auto ok = api_->start(); !ok) return ok;
  session_->on_connected([this] {
    if (auto ok = session_->publish(presence(protocol::node_state::online), {}, false); !ok) {
      log()->warn("presence not published: {}", ok.error().message);
    }
  });
  hook_.start();
  scheduler_.start();
  uploads_.start();
  dispatcher_ = std::jthread(
      [this](std::stop_token stop) { inbound_.run(stop, std::chrono::milliseconds(200)); });
  beater_ = std::jthread([this](std::stop_token stop) { beat(stop); });
  log()->info("master '{}' starting; broker {}; data in {}", config_.id, config_.broker.url_text(),
              config_.data_dir.string());
  return session_->start();
}

void master::open_unconfirmed_ledger() {
  auto store = load_or_create_store_id(config_.data_dir);
  auto ok = store ? unconfirmed_.open(config_.data_dir, *store)
                  : result<void>(std::unexpected(store.error()));
  if (!ok) {
    log()->error("{}; copies stored twice across masters will not be found", ok.error().message);
  } else if (auto n = unconfirmed_.size(); n > 0) {
    log()->info("{} stored file(s) still to be confirmed by their nodes", n);
  }
}

std::vector<master_overview> master::masters_overview() const {
  std::vector<std::string> nodes;
  for (const auto& r : registry_.snapshot()) nodes.push_back(r.node);
  master_overview self{config_.id,
                       true,
                       session_id_,
                       PERANDA_VERSION,
                       static_cast<std::uint64_t>(config_.beat_interval.count()),
                       wall_clock_ms(),
                       0,
                       0};
  return masters_.overview(nodes, std::move(self), std::chrono::steady_clock::now());
}

void master::beat(std::stop_token stop) {
  // Expiry is checked this often; beats go out every beat_interval.
  constexpr auto k_look = std::chrono::milliseconds(100);
  auto next_beat = std::chrono::steady_clock::now() + config_.beat_interval;
  while (wait_or_stop(stop, k_look)) {
    auto now = std::chrono::steady_clock::now();
    masters_.tick(now);
    if (now < next_beat) continue;
    next_beat = now + config_.beat_interval;
    // The connect handler published the first one; a beat while the broker
    // is away is dropped (the next connect publishes a fresh status).
    if (!session_->is_connected()) continue;
    if (auto ok = session_->publish(presence(protocol::node_state::online), {}, false); !ok) {
      log()->warn("beat not published: {}", ok.error().message);
    }
  }
}

void master::send_ack(const std::string& node, const protocol::logs_ack& ack) {
  if (!session_) return;
  // Never blocks the upload thread: Paho buffers the ack while the broker
  // is away; a lost ack is recovered by the agent's ack timeout.
  auto ok = session_->publish({topics_.logs_ack(node), protocol::encode(ack), 1, false}, {}, false);
  if (!ok) {
    metrics_.rejected_messages.reject(
        "ack_not_sent", fmt::format("ack to '{}' not sent: {}", node, ok.error().message));
  }
}

void master::publish_fleet_alarm(mqtt_session::message msg) {
  if (!session_) return;
  // Never blocks: Paho queues the publish while the broker is away.
  if (auto ok = session_->publish(std::move(msg), {}, false); !ok) {
    log()->warn("fleet alarm not published: {}", ok.error().message);
  }
}

result<void> master::send_request(const std::string& node, protocol::logs_request req) {
  if (!session_ || !session_->is_connected()) return fail("not connected to the broker");
  req.confirm = unconfirmed_.ask(node, req.request_id);
  return session_->publish({topics_.logs_request(node), protocol::encode(req), 1, false});
}

void master::tick() {
  auto now = std::chrono::steady_clock::now();
  auto removed = registry_.expire(now, config_.stale_after, config_.forget_after);
  for (const auto& node : removed) {
    scheduler_.remove(node);
    pulls_.forget(node);
    fleet_.forget(node);
    log()->info("forgot node '{}'", node);
  }
  pulls_.expire(now, config_.transfer_idle_timeout);
  health_.probe(now);
  fleet_.tick(ready());
  if (session_) alarms_.send_refusals();
  if (++ticks_ % k_summary_ticks == 0) {
    metrics_.rejected_messages.log_summary();
    alarms_.log_refusals();
  }
}

void master::stop() {
  if (!session_) return;
  scheduler_.stop();
  beater_.request_stop();
  if (beater_.joinable()) beater_.join();
  dispatcher_.request_stop();
  if (dispatcher_.joinable()) dispatcher_.join();
  uploads_.stop();
  hook_.stop();
  journal_.close();
  if (api_) api_->stop();
  session_->stop(presence(protocol::node_state::offline));
  session_.reset();
  log()->info("stopped");
}

}  // namespace peranda::master
