// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/mutex.hpp"
#include "node-agent/alarms/alarm_machine.hpp"
#include "node-agent/alarms/alarm_outbox.hpp"
#include "node-agent/rules/rule_engine.hpp"
#include "node-agent/trust/refusal_counter.hpp"
#include "node-agent/trust/trusted_masters.hpp"

namespace peranda::agent {

struct alarm_sender_settings {
  std::string node;
  std::uint64_t session = 0;  // makes alarm ids unique across restarts
  std::filesystem::path outbox_dir;
  std::uint64_t outbox_max = 10000;
  // Unconfirmed this long (while a master is online): publish again.
  std::chrono::milliseconds resend_after{std::chrono::seconds(30)};
  std::size_t max_inflight = 64;
  // Acks and statuses of other masters are ignored (acks counted).
  trusted_masters masters{};
  // The secret that keys line alarm ids (alarm_ids.hpp); created if missing.
  std::filesystem::path id_key_file;
};

// Turns rule hits into alarms and gets each into a master's journal at
// least once: an alarm is published (QoS 1) on a session of its own so
// uploads never delay it, written to the on-disk outbox meanwhile, and removed
// from the outbox only when a master confirms it journaled it (alarm_ack).
// A broker's PUBACK is not enough: a broker or master killed right after it
// loses the alarm. Unconfirmed alarms are published again after a
// reconnect, when a master (re)starts, and while a master is online after
// `resend_after` (doubling up to 16x); ids are unique, so the journal keeps
// each alarm once. Ids are unguessable by other nodes (alarm_ids.hpp): an
// alarm from a file line has an id keyed by the agent's secret and derived
// from (file, offset, rule), so a line read again after a crash keeps its
// id; other alarms get 128 random bits. The outbox and the publishing order
// follow creation (`<session>-<n>` keys).
//
// A master over whose rate limit this node is refuses alarms (`refused` in
// an alarm ack): the sender then publishes nothing for `retry_after_ms`,
// puts everything unconfirmed back to be sent, and from then on until its
// outbox is empty keeps at most `max_inflight` alarms unconfirmed (not just
// un-PUBACKed), so it paces itself to what the master confirms instead of
// hammering it. These rules are alarm_machine's (Sans-I/O); this class does
// the I/O around it: the session, the outbox and the publishing thread.
// Thread-safe.
class alarm_sender {
 public:
  [[nodiscard]] static result<std::unique_ptr<alarm_sender>> create(
      alarm_sender_settings settings, const protocol::topic_scheme& topics,
      mqtt_session::options session_options);
  ~alarm_sender();

  // REQUIRES: before start(). Subscribes this node's alarm acks and the
  // masters' statuses on the sender's own session (so the SUBSCRIBE goes
  // out on the connection that publishes the alarms, before any of them),
  // handled on `inbound`'s thread.
  void subscribe(mqtt_session::dispatcher& inbound);
  [[nodiscard]] result<void> start();
  void stop();

  // Published at once and durable when it returns (unless the outbox could not be written: then
  // the alarm is still published from memory, and the failure logged).
  void raise(const rule_hit& hit);
  // A master journaled these alarms, or refused some for rate.
  void confirm(const protocol::alarm_ack& ack);
  // A master's presence: one that comes online (or restarts) gets every
  // unconfirmed alarm again.
  void master_state(const protocol::master_status& status);

  std::uint64_t sent() const { return sent_.load(); }
  std::uint64_t confirmed() const { return confirmed_.load(); }
  std::uint64_t raised() const { return raised_.load(); }
  std::uint64_t acks_refused() const { return acks_refused_.count(); }
  // Alarms a master refused for rate (each sent again later).
  std::uint64_t refused() const { return refused_.load(); }
  // Alarms the outbox cap dropped: a copy, as the heartbeat reads it on
  // Paho's thread and outbox_mu_ is held over fsyncs.
  std::uint64_t dropped() const { return dropped_.load(); }
  std::uint64_t pending() const;
  // Paho clients its session replaced (a connection dropping right after CONNACK).
  std::uint64_t fresh_clients() const { return session_->fresh_clients(); }
  // Connections its session made to another broker of the list than before.
  std::uint64_t broker_switches() const { return session_->broker_switches(); }
  // How long the oldest alarm not confirmed yet has waited (since it was
  // raised, or loaded from the outbox at start); unset when none waits.
  std::optional<std::chrono::milliseconds> oldest_wait(
      std::chrono::steady_clock::time_point now) const;
  // Ids of the alarms not confirmed yet, oldest first.
  std::vector<std::string> unconfirmed_ids() const;

 private:
  struct topic_names {
    std::string alarm;
    std::string ack;
    std::string masters;  // filter of the masters' statuses
  };
  alarm_sender(alarm_sender_settings settings, topic_names topics, alarm_outbox outbox,
               std::string id_key, mqtt_session::options session_options);
  void run(std::stop_token stop);
  // Publishes what machine_ says is due; lets mu_ go while publishing.
  void publish_due() REQUIRES(mu_);
  void on_completion(const std::string& key, bool delivered) EXCLUDES(mu_);
  std::string alarm_id(const rule_hit& hit) const;

  // Constant after construction
  const alarm_sender_settings settings_;
  const topic_names topics_;
  const std::string id_key_;  // keys line ids
  std::unique_ptr<mqtt_session::session> session_;

  // Taken before mu_ when both are held; never taken while waiting on mu_'s
  // condition: an outbox write (two fsyncs) must not hold up publishing.
  mutable mutex outbox_mu_ ACQUIRED_BEFORE(mu_);
  alarm_outbox outbox_ GUARDED_BY(outbox_mu_);

  mutable mutex mu_;
  std::condition_variable_any wake_;
  std::set<std::string> saving_ GUARDED_BY(mu_);  // outbox keys whose write is under way
  alarm_machine machine_ GUARDED_BY(mu_);         // what to publish when
  std::uint64_t next_seq_ GUARDED_BY(mu_) = 0;

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> confirmed_{0};
  std::atomic<std::uint64_t> raised_{0};
  refusal_counter acks_refused_{"alarm ack"};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::jthread thread_;
};

}  // namespace peranda::agent
