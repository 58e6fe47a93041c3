// SPDX-License-Identifier: Apache-2.0
#include "node-agent/upload/transfer_machine.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace peranda::agent {

std::string_view to_string(ack_verdict v) {
  switch (v) {
    case ack_verdict::accepted:
      return "accepted";
    case ack_verdict::other_transfer:
      return "not the current transfer";
    case ack_verdict::other_master:
      return "not from the master whose request it serves";
    case ack_verdict::wrong_sha256:
      return "`complete` with another sha256 than the one sent";
  }
  return "?";
}

transfer_machine::transfer_machine(transfer_identity identity, std::uint32_t chunk_count,
                                   std::uint32_t window, std::chrono::milliseconds ack_timeout,
                                   std::uint32_t max_timeouts)
    : identity_(std::move(identity)),
      count_(chunk_count),
      ack_timeout_(ack_timeout),
      max_timeouts_(std::max<std::uint32_t>(max_timeouts, 1)),
      window_(std::max<std::uint32_t>(window, 1)) {}

void transfer_machine::send_new(std::vector<transfer_action>& out) {
  bool had_unsent = sent_high_ < count_;
  while (sent_high_ < count_ && sent_high_ < next_ + window_) {
    out.push_back({transfer_action::kind::chunk, sent_high_++});
  }
  // `end` follows the last chunk's first publication (and an empty file's begin).
  if ((had_unsent || count_ == 0) && sent_high_ == count_) {
    out.push_back({transfer_action::kind::end});
  }
}

void transfer_machine::resend(std::uint32_t index, std::vector<transfer_action>& out) {
  if (index < next_ || index >= sent_high_) return;  // stored already, or not sent yet
  out.push_back({transfer_action::kind::chunk, index});
  ++resent_;
}

std::vector<transfer_action> transfer_machine::start(clock::time_point now) {
  std::vector<transfer_action> out{{transfer_action::kind::begin}};
  last_ack_ = now;
  send_new(out);
  return out;
}

ack_verdict transfer_machine::check(const protocol::logs_ack& ack) const {
  if (ack.transfer_id != identity_.transfer_id) return ack_verdict::other_transfer;
  // The ack topic does not name its sender: the id in the payload is all there is.
  if (ack.master_id != identity_.master_id) return ack_verdict::other_master;
  // Deleting the spool file needs proof that the master holds exactly what was sent.
  if (ack.status == protocol::ack_status::complete && ack.sha256 != identity_.sha256) {
    return ack_verdict::wrong_sha256;
  }
  return ack_verdict::accepted;
}

std::vector<transfer_action> transfer_machine::on_ack(const protocol::logs_ack& ack,
                                                      clock::time_point now) {
  std::vector<transfer_action> out;
  if (state_ != transfer_state::running || check(ack) != ack_verdict::accepted) return out;
  any_ack_ = true;
  timeouts_ = 0;
  last_ack_ = now;
  switch (ack.status) {
    case protocol::ack_status::complete:
      state_ = transfer_state::complete;
      return out;
    case protocol::ack_status::rejected:
      state_ = transfer_state::rejected;
      reason_ = ack.reason.empty() ? "rejected by the master" : ack.reason;
      return out;
    case protocol::ack_status::progress:
      // A master cannot have stored what was never sent: clamp.
      next_ = std::max(next_, std::min(ack.next, sent_high_));
      if (ack.window > 0) window_ = ack.window;
      for (auto index : ack.missing) resend(index, out);
      send_new(out);
      return out;
    case protocol::ack_status::missing: {
      for (auto index : ack.missing) resend(index, out);
      if (sent_high_ == count_) out.push_back({transfer_action::kind::end});
      return out;
    }
  }
  return out;
}

std::vector<transfer_action> transfer_machine::on_tick(clock::time_point now) {
  std::vector<transfer_action> out;
  if (state_ != transfer_state::running || now - last_ack_ < ack_timeout_) return out;
  if (++timeouts_ >= max_timeouts_ + 1) {
    state_ = transfer_state::failed;
    reason_ = fmt::format("no ack for {} x {} ms", max_timeouts_, ack_timeout_.count());
    return out;
  }
  last_ack_ = now;
  // Go-back-N: everything from the first chunk not known to be stored.
  if (!any_ack_) out.push_back({transfer_action::kind::begin});
  for (auto i = next_; i < sent_high_; ++i) resend(i, out);
  if (sent_high_ == count_) out.push_back({transfer_action::kind::end});
  return out;
}

void transfer_machine::give_up(std::string reason) {
  if (state_ != transfer_state::running) return;
  state_ = transfer_state::failed;
  reason_ = std::move(reason);
}

}  // namespace peranda::agent
