// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/protocol/messages/alarm_ack.hpp"

namespace peranda::agent {

// When the agent publishes which unconfirmed alarm (alarm_sender's rules),
// as a Sans-I/O state machine: it is told of alarms, publish outcomes,
// acks, connects, master statuses and the time, and answers what to publish
// now. The caller does the I/O (session, outbox, threads). Not thread-safe.
//
// Rules: nothing is published before the session connected (and so sent
// its subscription to the acks). A waiting alarm is published at the next
// tick, oldest (lowest key) first, while fewer than `max_inflight` are
// publishing. One still publishing (no PUBACK) after `resend_after` is
// published again; one the broker refused (failed completion) or Paho did
// not take goes back to waiting (Paho's refusal pauses publishing for 1 s).
// A PUBACKed alarm is published again on the first tick after a reconnect,
// when a master comes online with a new session, and, while some master is
// online, after `resend_after` doubled per publish up to 16x. A master's
// `refused` holds everything for `retry_after_ms`, puts every published
// alarm back to waiting and from then until no alarm is left counts
// published alarms as in flight too (paced to what the master confirms).
class alarm_machine {
 public:
  using clock = std::chrono::steady_clock;

  struct publish {
    std::string key;
    std::string payload;
    bool operator==(const publish&) const = default;
  };

  alarm_machine(std::chrono::milliseconds resend_after, std::size_t max_inflight)
      : resend_after_(resend_after), max_inflight_(max_inflight) {}

  // An alarm to deliver under outbox key `key` (keys order publishing);
  // false, and nothing changes, when an alarm with this id is already held.
  bool add(std::string key, std::string id, std::string payload, clock::time_point now);
  // Forgets an alarm (the outbox cap dropped it).
  void forget(const std::string& key);
  bool holds(const std::string& key) const { return entries_.contains(key); }

  // The session (re)connected and sent its subscriptions.
  void connected();
  // A master's status (the caller checked it is a trusted master).
  void master_online(const std::string& master_id, std::uint64_t session);
  void master_offline(const std::string& master_id);
  // Applies an ack; returns the keys it confirmed (no longer held).
  std::vector<std::string> on_ack(const protocol::alarm_ack& ack, clock::time_point now);
  // A publish completed; true when this is the alarm's first PUBACK.
  bool on_completion(const std::string& key, bool delivered);
  // Paho did not take these publishes.
  void not_taken(const std::vector<std::string>& keys, clock::time_point now);

  // What to publish now (marked publishing); `connected`: the session's
  // connection is up.
  std::vector<publish> tick(clock::time_point now, bool connected);
  // Would tick() publish anything now? (The caller's wake-up condition.)
  bool has_due(clock::time_point now, bool connected) const;

  std::size_t pending() const { return entries_.size(); }
  // How long the oldest held alarm has waited since it was added.
  std::optional<std::chrono::milliseconds> oldest_wait(clock::time_point now) const;
  // Ids of the held alarms, oldest first.
  std::vector<std::string> ids() const;

 private:
  enum class stage { waiting, publishing, published };
  struct entry {
    std::string id;
    std::string payload;
    clock::time_point added_at;
    stage at = stage::waiting;
    bool reached_broker = false;
    unsigned rounds = 0;  // publishes so far: spaces out resends
    clock::time_point sent_at{};
  };

  bool can_send(clock::time_point now, bool connected) const;
  bool resend_due(const entry& e, clock::time_point now, bool reconnected) const;
  // Publishing, or published and not confirmed while paced.
  std::size_t inflight() const;
  void requeue_published();

  // Constant after construction
  const std::chrono::milliseconds resend_after_;
  const std::size_t max_inflight_;

  std::map<std::string, entry> entries_;                 // outbox key -> state, oldest first
  std::unordered_map<std::string, std::string> keys_;    // alarm id -> outbox key
  std::map<std::string, std::uint64_t> masters_online_;  // master id -> its session
  bool subscribed_ = false;                              // connected once: acks can reach us
  bool reconnected_ = false;
  clock::time_point retry_after_{};  // after Paho did not take a publish
  clock::time_point hold_until_{};   // after a master refused alarms
  bool paced_ = false;               // since a refusal, until no alarm is held
};

}  // namespace peranda::agent
