// SPDX-License-Identifier: Apache-2.0
#include "master-service/master.hpp"

#include "core/fs/durable_file.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/util/clock.hpp"
#include "master-service/alarms/alarm_size.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master");
  return l;
}

// Upload messages waiting for the receiver: with max_transfers x window
// chunks invited at most, this never fills unless agents misbehave.
constexpr std::size_t k_upload_backlog = 4096;

// ... and their bytes: twice what the master invites (max_transfers x window
// x chunk_size), at least 16 MiB. A chunk may be as large as the broker's
// packet limit, so the count alone once let 60 junk chunks take 250 MiB.
std::uint64_t upload_backlog_bytes(const master_config& c) {
  return std::max<std::uint64_t>(16ull << 20,
                                 2ull * c.max_transfers * c.window * c.chunk_size);
}
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
      journal_(
          config_.alarm_journal, config_.alarm_fsync,
          [this](const std::string& error) {
            log()->error("alarm journal '{}': {}; its latest alarms stay unconfirmed",
                         config_.alarm_journal.string(), error);
            metrics_.rejected_messages.reject("journal_error", error);
          },
          config_.alarm_journal_limits),
      alarm_limits_(config_.alarm_rate, config_.alarm_burst),
      hook_(config_.alarm_hook, config_.alarm_hook_timeout, config_.alarm_hook_concurrency,
            metrics_),
      pulls_(metrics_, {config_.max_pull_bytes, config_.max_daily_bytes}),
      scheduler_(config_, registry_, pulls_,
                 [this](const std::string& node, const protocol::logs_request& req) {
                   return send_request(node, req);
                 }),
      receiver_(
          config_, layout_, metrics_,
          [this](const std::string& node, const protocol::logs_ack& ack) { send_ack(node, ack); },
          [this](const transfer_outcome& outcome) {
            auto open = pulls_.open_sent();
            pulls_.on_transfer(outcome);
            if (pulls_.open_sent() < open) scheduler_.slot_freed();
          },
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
      uploads_(k_upload_backlog),
      upload_backlog_limit_(upload_backlog_bytes(config_)) {}

master::~master() { stop(); }

mqtt_session::message master::presence(protocol::node_state state) const {
  protocol::master_status s{config_.id, state, session_id_, PERANDA_VERSION, wall_clock_ms()};
  return {topics_.master_status(config_.id), protocol::encode(s), 1, true};
}

result<void> master::start() {
  // A data_dir that cannot be written is an error per transfer (rejected,
  // counted), not a reason to stop collecting alarms and presence.
  if (auto ok = ensure_directory(config_.data_dir); !ok) log()->error("{}", ok.error().message);
  if (auto n = layout_.remove_leftover_parts(); n > 0) {
    log()->info("removed {} partial file(s) left by an earlier run", n);
  }
  if (auto ok = journal_.open(); !ok) log()->error("{}", ok.error().message);

  auto opts = config_.broker.session_options();
  opts.client_id = config_.id + ":master";
  opts.will = presence(protocol::node_state::lost);
  opts.claim = [this](mqtt_session::message& msg) { return claim_upload(msg); };
  session_ = std::make_unique<mqtt_session::session>(std::move(opts));
  for (auto leaf : {"heartbeat", "alarm", "logs/reply"}) {
    session_->subscribe(topics_.all_nodes(leaf), 1);
  }
  session_->subscribe(topics_.all_uploads(), 1);
  // The API reads session_ from its threads: it exists before they start
  // and is reset only after they stopped.
  api_ = std::make_unique<api_server>(
      config_, api_sources{registry_, scheduler_, pulls_, receiver_, journal_, metrics_,
                           [this] { return session_->is_connected(); }});
  if (auto ok = api_->start(); !ok) return ok;
  session_->on_connected([this] {
    if (auto ok = session_->publish(presence(protocol::node_state::online), {}, false); !ok) {
      log()->warn("presence not published: {}", ok.error().message);
    }
  });
  hook_.start();
  scheduler_.start();
  upload_thread_ = std::jthread([this](std::stop_token stop) { receive_uploads(stop); });
  dispatcher_ = std::jthread([this](std::stop_token stop) { dispatch(stop); });
  log()->info("master '{}' starting; broker {}; data in {}", config_.id, config_.broker.url,
              config_.data_dir.string());
  return session_->start();
}

void master::dispatch(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto msg = session_->inbox().pop_for(std::chrono::milliseconds(200));
    if (!msg) continue;
    try {
      route(*msg);
    } catch (const std::exception& e) {
      metrics_.rejected_messages.reject("internal_error", e.what());
    }
  }
}

void master::route(const mqtt_session::message& msg) {
  auto topic = topics_.parse(msg.topic);
  if (!topic) return metrics_.rejected_messages.reject("bad_topic", topic.error().message);
  // Only presence is meant to be retained; anything else retained is old (or
  // planted) and would be replayed at every start.
  if (msg.retained && topic->kind != protocol::topic_kind::heartbeat) {
    return metrics_.rejected_messages.reject("retained_ignored", msg.topic);
  }
  switch (topic->kind) {
    case protocol::topic_kind::heartbeat:
      return on_heartbeat(*topic, msg);
    case protocol::topic_kind::alarm:
      return on_alarm(*topic, msg);
    default:
      return metrics_.rejected_messages.reject("unexpected_topic", msg.topic);
  }
}

bool master::claim_upload(mqtt_session::message& msg) {
  auto topic = topics_.parse(msg.topic);
  if (!topic) return false;  // the dispatcher counts it
  auto kind = topic->kind;
  if (kind != protocol::topic_kind::upload_begin && kind != protocol::topic_kind::upload_chunk &&
      kind != protocol::topic_kind::upload_end && kind != protocol::topic_kind::logs_reply) {
    return false;
  }
  if (msg.retained) {
    metrics_.rejected_messages.reject("retained_ignored", msg.topic);
    return true;
  }
  auto& gate = receiver_.gate();
  auto now = std::chrono::steady_clock::now();
  const auto& node = topic->owner;
  std::size_t oversized = 0;
  switch (kind) {
    case protocol::topic_kind::upload_begin:
      // Chunks may follow at once: they pass if the node has an open pull.
      // Without one the begin is only answered (rejected), within a budget.
      if (pulls_.open_for(node)) {
        gate.open(node, topic->transfer);
      } else if (!gate.answers_left(node, now)) {
        metrics_.rejected_messages.reject("unrequested_begin", msg.topic);
        return true;
      }
      break;
    case protocol::topic_kind::upload_chunk:
      if (msg.payload.size() > config_.chunk_size) {
        if (!gate.expects(node, topic->transfer)) {
          metrics_.rejected_messages.reject(
              "oversized_chunk", fmt::format("{} ({} bytes)", msg.topic, msg.payload.size()));
          return true;
        }
        oversized = msg.payload.size();  // its transfer learns why it ends, unread
        std::string().swap(msg.payload);
      } else if (!gate.expects(node, topic->transfer) && !gate.answers_left(node, now)) {
        metrics_.rejected_messages.reject("chunk_unknown_transfer", msg.topic);
        return true;
      }
      break;
    case protocol::topic_kind::upload_end:
      if (!gate.expects(node, topic->transfer) && !gate.answers_left(node, now)) {
        metrics_.rejected_messages.reject("end_unknown_transfer", msg.topic);
        return true;
      }
      break;
    default:  // a reply: queued in order with the begins that follow it
      break;
  }
  // One producer (this thread): nobody else adds between check and add.
  auto bytes = msg.payload.size();
  if (metrics_.upload_backlog_bytes.load() + bytes > upload_backlog_limit_) {
    metrics_.rejected_messages.reject("upload_backlog_full", msg.topic);
    return true;
  }
  metrics_.upload_backlog_bytes += bytes;
  if (!uploads_.try_push({std::move(*topic), std::move(msg.payload), oversized})) {
    metrics_.upload_backlog_bytes -= bytes;
    metrics_.rejected_messages.reject("upload_backlog_full", msg.topic);
  }
  return true;
}

void master::receive_uploads(std::stop_token stop) {
  auto last_sweep = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    auto msg = uploads_.pop_for(std::chrono::milliseconds(200));
    auto now = std::chrono::steady_clock::now();
    if (msg) {
      const auto& t = msg->topic;
      metrics_.upload_backlog_bytes -= msg->payload.size();
      try {
        if (t.kind == protocol::topic_kind::logs_reply) {
          on_reply(t, msg->payload);
        } else if (t.kind == protocol::topic_kind::upload_begin) {
          receiver_.on_begin(t.owner, t.transfer, msg->payload, now);
        } else if (msg->oversized > 0) {
          receiver_.on_oversized_chunk(t.owner, t.transfer, msg->oversized, now);
        } else if (t.kind == protocol::topic_kind::upload_chunk) {
          receiver_.on_chunk(t.owner, t.transfer, t.index, msg->payload, now);
        } else {
          receiver_.on_end(t.owner, t.transfer, msg->payload, now);
        }
      } catch (const std::exception& e) {
        metrics_.rejected_messages.reject("internal_error", e.what());
      }
    }
    if (now - last_sweep >= std::chrono::seconds(1)) {
      receiver_.expire(now);
      last_sweep = now;
    }
  }
}

void master::on_heartbeat(const protocol::parsed_topic& topic, const mqtt_session::message& msg) {
  if (msg.payload.empty()) return;  // a cleared retained message
  auto hb = protocol::decode_heartbeat(msg.payload);
  if (!hb) return metrics_.rejected_messages.reject("bad_heartbeat", hb.error().message);
  if (hb->node != topic.owner) {
    return metrics_.rejected_messages.reject(
        "node_mismatch", fmt::format("heartbeat on '{}' names node '{}'", msg.topic, hb->node));
  }
  auto outcome = registry_.apply(*hb, std::chrono::steady_clock::now());
  if (outcome == apply_outcome::added) {
    log()->info("new node '{}' ({}, {})", hb->node, hb->ip, protocol::to_string(hb->state));
  } else if (outcome == apply_outcome::conflict) {
    log()->error("node id '{}' claimed by two machines ({} is new); not merged", hb->node,
                 hb->machine_id);
    return;
  }
  if (outcome == apply_outcome::added || outcome == apply_outcome::updated) {
    registry_.set_queue(hb->node, static_cast<int>(scheduler_.add(hb->node)));
  }
}

void master::on_alarm(const protocol::parsed_topic& topic, const mqtt_session::message& msg) {
  auto a = protocol::decode_alarm(msg.payload);
  if (!a) return metrics_.rejected_messages.reject("bad_alarm", a.error().message);
  // Confirmations and refusals go to the topic's node only: the broker's
  // ACL vouches for it, the payload's node must agree.
  if (a->node != topic.owner) {
    return metrics_.rejected_messages.reject(
        "node_mismatch", fmt::format("alarm on '{}' names node '{}'", msg.topic, a->node));
  }
  // Repeats count too: each costs a confirmation. A refused alarm is not
  // confirmed, so its agent keeps it and sends it again later.
  if (!alarm_limits_.admit(a->node, a->id, std::chrono::steady_clock::now())) {
    metrics_.alarms_limited.add("rate");
    return;
  }
  if (fit_alarm(*a, config_.alarm_max_bytes)) metrics_.alarms_limited.add("size");
  auto entry = journal_.append(*a, wall_clock_ms());
  if (!entry) {
    log()->error("alarm '{}' from '{}' not journaled: {}", a->id, a->node, entry.error().message);
    return metrics_.rejected_messages.reject("journal_error", entry.error().message);
  }
  // A repeat is confirmed again: the agent resends only what it never saw
  // confirmed, so the first confirmation was lost (or its line not yet on disk).
  journal_.after_durable([this, node = a->node, id = a->id] { confirm_alarm(node, id); });
  if (!*entry) {
    ++metrics_.alarm_duplicates;
    return;
  }
  ++metrics_.alarms;
  hook_.submit(a->node, (*entry)->json);
}

void master::confirm_alarm(const std::string& node, const std::string& id) {
  protocol::alarm_ack ack{config_.id, {id}, {}, 0};
  // Never blocks the dispatcher; a lost confirmation makes the agent resend,
  // and the journal drops the repeat.
  auto ok = session_->publish({topics_.alarm_ack(node), protocol::encode(ack), 1, false}, {}, false);
  if (!ok) log()->warn("alarm ack to '{}' not sent: {}", node, ok.error().message);
}

void master::send_alarm_refusals() {
  // At most one refusal per node and tick, however many alarms it floods.
  for (auto& r : alarm_limits_.take_refusals(std::chrono::steady_clock::now())) {
    registry_.set_alarms_refused(r.node, r.total);
    protocol::alarm_ack ack{
        config_.id, {}, std::move(r.ids), static_cast<std::uint64_t>(r.retry_after.count())};
    log()->debug("refusing {} alarm(s) of '{}' for rate; retry after {} ms", ack.refused.size(),
                 r.node, ack.retry_after_ms);
    auto ok =
        session_->publish({topics_.alarm_ack(r.node), protocol::encode(ack), 1, false}, {}, false);
    if (!ok) log()->warn("alarm refusal to '{}' not sent: {}", r.node, ok.error().message);
  }
}

void master::log_alarm_refusals() {
  for (const auto& [node, n] : alarm_limits_.take_unlogged()) {
    log()->warn("node '{}' is over its alarm rate limit: {} alarm(s) refused (kept by its agent)",
                node, n);
  }
}

void master::on_reply(const protocol::parsed_topic& topic, std::string_view payload) {
  auto reply = protocol::decode_logs_reply(payload);
  if (!reply) return metrics_.rejected_messages.reject("bad_reply", reply.error().message);
  if (reply->master_id != config_.id) return;  // another master's request
  auto open = pulls_.open_sent();
  bool known = pulls_.on_reply(topic.owner, *reply);
  if (pulls_.open_sent() < open) scheduler_.slot_freed();  // empty, busy, ... end a pull
  if (!known) {
    metrics_.rejected_messages.reject(
        "unknown_request",
        fmt::format("reply from '{}' to unknown request '{}'", topic.owner, reply->request_id));
  }
}

void master::send_ack(const std::string& node, const protocol::logs_ack& ack) {
  if (!session_) return;
  // Never blocks the upload thread: Paho buffers the ack while the broker
  // is away; a lost ack is recovered by the agent's ack timeout.
  auto ok = session_->publish({topics_.logs_ack(node), protocol::encode(ack), 1, false}, {}, false);
  if (!ok) {
    metrics_.rejected_messages.reject("ack_not_sent", fmt::format("ack to '{}' not sent: {}", node,
                                                                   ok.error().message));
  }
}

result<void> master::send_request(const std::string& node, const protocol::logs_request& req) {
  if (!session_ || !session_->is_connected()) return fail("not connected to the broker");
  return session_->publish({topics_.logs_request(node), protocol::encode(req), 1, false});
}

void master::tick() {
  auto now = std::chrono::steady_clock::now();
  auto removed = registry_.expire(now, config_.stale_after, config_.forget_after);
  for (const auto& node : removed) {
    scheduler_.remove(node);
    log()->info("forgot node '{}'", node);
  }
  auto open = pulls_.open_sent();
  pulls_.expire(now, config_.transfer_idle_timeout);
  if (pulls_.open_sent() < open) scheduler_.slot_freed();
  if (session_) send_alarm_refusals();
  if (++ticks_ % k_summary_ticks == 0) {
    metrics_.rejected_messages.log_summary();
    log_alarm_refusals();
  }
}

void master::stop() {
  if (!session_) return;
  scheduler_.stop();
  dispatcher_.request_stop();
  if (dispatcher_.joinable()) dispatcher_.join();
  upload_thread_.request_stop();
  if (upload_thread_.joinable()) upload_thread_.join();
  hook_.stop();
  journal_.close();
  if (api_) api_->stop();
  session_->stop(presence(protocol::node_state::offline));
  session_.reset();
  log()->info("stopped");
}

}  // namespace peranda::master
