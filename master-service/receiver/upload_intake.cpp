// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/upload_intake.hpp"

#include <algorithm>

#include "core/protocol/messages/logs_reply.hpp"

namespace peranda::master {
namespace {

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

}  // namespace

upload_intake::upload_intake(const master_config& config, receiver& receiver,
                             pull_tracker& pulls, unconfirmed_ledger& unconfirmed,
                             master_metrics& metrics)
    : config_(config),
      backlog_limit_(upload_backlog_bytes(config)),
      receiver_(receiver),
      pulls_(pulls),
      unconfirmed_(unconfirmed),
      metrics_(metrics),
      queue_(k_upload_backlog) {}

upload_intake::~upload_intake() { stop(); }

void upload_intake::subscribe(const protocol::topic_scheme& topics,
                              mqtt_session::session& session) {
  auto sink = [this, &topics](mqtt_session::message& msg) { take(topics, msg); };
  session.subscribe(topics.all_uploads(), 1, sink);
  session.subscribe(topics.all_nodes("logs/reply"), 1, sink);
}

void upload_intake::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void upload_intake::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void upload_intake::take(const protocol::topic_scheme& topics, mqtt_session::message& msg) {
  auto topic = topics.parse(msg.topic);
  if (!topic) return metrics_.rejected_messages.reject("bad_topic", topic.error().message);
  auto kind = topic->kind;
  if (kind != protocol::topic_kind::upload_begin && kind != protocol::topic_kind::upload_chunk &&
      kind != protocol::topic_kind::upload_end && kind != protocol::topic_kind::logs_reply) {
    return metrics_.rejected_messages.reject("unexpected_topic", msg.topic);
  }
  if (msg.retained) return metrics_.rejected_messages.reject("retained_ignored", msg.topic);
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
        return metrics_.rejected_messages.reject("unrequested_begin", msg.topic);
      }
      break;
    case protocol::topic_kind::upload_chunk:
      if (msg.payload.size() > config_.chunk_size) {
        if (!gate.expects(node, topic->transfer)) {
          return metrics_.rejected_messages.reject(
              "oversized_chunk", fmt::format("{} ({} bytes)", msg.topic, msg.payload.size()));
        }
        oversized = msg.payload.size();  // its transfer learns why it ends, unread
        std::string().swap(msg.payload);
      } else if (!gate.expects(node, topic->transfer) && !gate.answers_left(node, now)) {
        return metrics_.rejected_messages.reject("chunk_unknown_transfer", msg.topic);
      }
      break;
    case protocol::topic_kind::upload_end:
      if (!gate.expects(node, topic->transfer) && !gate.answers_left(node, now)) {
        return metrics_.rejected_messages.reject("end_unknown_transfer", msg.topic);
      }
      break;
    default:  // a reply: queued in order with the begins that follow it
      break;
  }
  // One producer (Paho's thread): nobody else adds between check and add.
  auto bytes = msg.payload.size();
  if (metrics_.upload_backlog_bytes.load() + bytes > backlog_limit_) {
    return metrics_.rejected_messages.reject("upload_backlog_full", msg.topic);
  }
  metrics_.upload_backlog_bytes += bytes;
  if (!queue_.try_push({std::move(*topic), std::move(msg.payload), oversized})) {
    metrics_.upload_backlog_bytes -= bytes;
    metrics_.rejected_messages.reject("upload_backlog_full", msg.topic);
  }
}

void upload_intake::run(std::stop_token stop) {
  auto last_sweep = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    auto msg = queue_.pop_for(std::chrono::milliseconds(200));
    auto now = std::chrono::steady_clock::now();
    if (msg) {
      metrics_.upload_backlog_bytes -= msg->payload.size();
      try {
        handle(*msg, now);
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

void upload_intake::handle(const upload_message& msg, std::chrono::steady_clock::time_point now) {
  const auto& t = msg.topic;
  if (t.kind == protocol::topic_kind::logs_reply) {
    on_reply(t, msg.payload);
  } else if (t.kind == protocol::topic_kind::upload_begin) {
    receiver_.on_begin(t.owner, t.transfer, msg.payload, now);
  } else if (msg.oversized > 0) {
    receiver_.on_oversized_chunk(t.owner, t.transfer, msg.oversized, now);
  } else if (t.kind == protocol::topic_kind::upload_chunk) {
    receiver_.on_chunk(t.owner, t.transfer, t.index, msg.payload, now);
  } else {
    receiver_.on_end(t.owner, t.transfer, msg.payload, now);
  }
}

void upload_intake::on_reply(const protocol::parsed_topic& topic, std::string_view payload) {
  auto reply = protocol::decode_logs_reply(payload);
  if (!reply) return metrics_.rejected_messages.reject("bad_reply", reply.error().message);
  if (reply->master_id != config_.id) return;  // another master's request
  if (!pulls_.on_reply(topic.owner, *reply)) {
    return metrics_.rejected_messages.reject(
        "unknown_request",
        fmt::format("reply from '{}' to unknown request '{}'", topic.owner, reply->request_id));
  }
  // On this thread, in order with the uploads: a second copy is removed
  // only after the transfers queued before this reply were stored.
  unconfirmed_.settle(topic.owner, reply->request_id, reply->confirmations);
}

}  // namespace peranda::master
