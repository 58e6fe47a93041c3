// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
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

// Whose transfer it is: acks are taken only for this transfer id, from the
// master whose request it serves, and a `complete` only with the digest of
// the bytes sent.
struct transfer_identity {
  std::string transfer_id;
  std::string master_id;  // the request's
  std::string sha256;     // the begin's (lower-case hex)
};

// What an ack is to a transfer (transfer_machine::check).
enum class ack_verdict {
  accepted,
  other_transfer,  // another transfer id: a late repeat of an earlier transfer's ack
  other_master,    // this transfer, but not the master whose request it serves
  wrong_sha256,    // a `complete` whose sha256 is not the one sent in `begin`
};
std::string_view to_string(ack_verdict v);

// The agent's side of one file transfer (docs/protocol.md, "Transfers"), as a
// Sans-I/O state machine: it is fed the start, acks and clock ticks and
// returns what to publish; the caller does the I/O (and deletes the spool
// file only once state() is `complete`). Never more than `window` chunks
// are unacknowledged (chunk i is unacknowledged while i >= next of the
// latest ack). No ack for `ack_timeout` while something is outstanding:
// go-back-N from `next` (and `begin` again if nothing was ever acked);
// after `max_timeouts` such rounds without any ack, the next timeout fails
// the transfer (the file stays in the spool). An ack that check() does not
// accept changes nothing, not even the timeouts. Not thread-safe.
class transfer_machine {
 public:
  using clock = std::chrono::steady_clock;

  transfer_machine(transfer_identity identity, std::uint32_t chunk_count, std::uint32_t window,
                   std::chrono::milliseconds ack_timeout, std::uint32_t max_timeouts);

  std::vector<transfer_action> start(clock::time_point now);
  // Whether on_ack() would take `ack` (docs/protocol.md, "logs ack").
  ack_verdict check(const protocol::logs_ack& ack) const;
  // An ack that check() does not accept is ignored.
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
  const transfer_identity identity_;
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
