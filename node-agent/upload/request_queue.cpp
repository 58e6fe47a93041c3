// SPDX-License-Identifier: Apache-2.0
#include "node-agent/upload/request_queue.hpp"

#include <algorithm>

namespace peranda::agent {
namespace {

bool past(const protocol::logs_request& r, std::uint64_t now_ms) {
  return r.deadline_ms != 0 && r.deadline_ms < now_ms;
}

}  // namespace

admission request_queue::offer(protocol::logs_request& request, std::uint64_t now_ms,
                               const master_facts& facts,
                               const std::optional<std::string>& serving) {
  if (past(request, now_ms)) return admission::expired;
  if (facts.gone) return admission::ignore;
  if (facts.other_owner) return admission::not_owner;
  auto same_master = [&](const protocol::logs_request& r) {
    return r.master_id == request.master_id;
  };
  if (serving == request.master_id || std::ranges::any_of(waiting_, same_master)) {
    return admission::busy_same_master;
  }
  if (!serving) return admission::serve;
  if (waiting_.size() >= max_waiting_) return admission::busy_full;
  waiting_.push_back(std::move(request));
  return admission::wait;
}

std::optional<protocol::logs_request> request_queue::next(
    std::uint64_t now_ms, std::vector<protocol::logs_request>& expired) {
  while (!waiting_.empty()) {
    auto r = std::move(waiting_.front());
    waiting_.pop_front();
    if (!past(r, now_ms)) return r;
    expired.push_back(std::move(r));
  }
  return std::nullopt;
}

}  // namespace peranda::agent
