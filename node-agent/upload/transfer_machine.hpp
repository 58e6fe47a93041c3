// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/protocol/messages/logs_ack.hpp"

namespace peranda::agent {

// What the uploader must publish next.
struct transfer_action {
  enum class kind { begin, chunk, end };
  kind what;
  std::uint32_t index = 0;  // for chunk

  bool operator==(const transfer_action&) const = default;
};

enum class transfer_state { running, complete, rejected, failed };

// The agent's side of one file transfer (docs/protocol.md, "Transfers"), as a
// Sans-I/O state machine: it is fed the start, acks and clock ticks and
// returns what to publish; the caller does the I/O (and deletes the spool
// file only once state() is `complete`). Never more than `window` chunks
// are unacknowledged (chunk i is unacknowledged while i >= next of the
// latest ack). No ack for `ack_timeout` while something is outstanding:
// go-back-N from `next` (and `begin` again if nothing was ever acked);
// after `max_timeouts` such rounds without any ack, the next timeout fails
// the transfer (the file stays in the spool). Not thread-safe.
class transfer_machine {
 public:
  using clock = std::chrono::steady_clock;

  transfer_machine(std::uint32_t chunk_count, std::uint32_t window,
                   std::chrono::milliseconds ack_timeout, std::uint32_t max_timeouts);

  std::vector<transfer_action> start(clock::time_point now);
  // REQUIRES: ack.transfer_id is this transfer's (the caller routes acks).
  std::vector<transfer_action> on_ack(const protocol::logs_ack& ack, clock::time_point now);
  std::vector<transfer_action> on_tick(clock::time_point now);
  // The caller cannot do its part (a chunk cannot be read): the transfer
  // fails now, instead of going back to that chunk at every ack.
  void give_up(std::string reason);

  transfer_state state() const { return state_; }
  const std::string& reason() const { return reason_; }
  std::uint32_t acked() const { return next_; }
  // Chunks published more than once (resends), for counters.
  std::uint64_t resent() const { return resent_; }

 private:
  void send_new(std::vector<transfer_action>& out);
  void resend(std::uint32_t index, std::vector<transfer_action>& out);

  // Constant after construction
  const std::uint32_t count_;
  const std::chrono::milliseconds ack_timeout_;
  const std::uint32_t max_timeouts_;

  std::uint32_t window_;
  std::uint32_t next_ = 0;       // every chunk below is stored by the master
  std::uint32_t sent_high_ = 0;  // every chunk below was published at least once
  bool any_ack_ = false;
  std::uint32_t timeouts_ = 0;
  clock::time_point last_ack_{};
  transfer_state state_ = transfer_state::running;
  std::string reason_;
  std::uint64_t resent_ = 0;
};

}  // namespace peranda::agent
