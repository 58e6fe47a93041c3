// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_limiter.hpp"

#include <algorithm>

#include "core/protocol/messages/alarm_ack.hpp"

namespace peranda::master {
namespace {

// An agent told to wait less would mostly be refused again; one told to
// wait longer (a huge burst over a low rate) would sit on alarms the bucket
// could take in part already.
constexpr std::chrono::milliseconds k_min_retry_after{1000};
constexpr std::chrono::milliseconds k_max_retry_after{60'000};
// Per-node totals kept for this many nodes at most: a node id comes from
// the topic, and a bridge user may publish under any (metrics count all).
constexpr std::size_t k_max_counted_nodes = 10'000;

}  // namespace

alarm_limiter::alarm_limiter(double rate, double burst) : rate_(rate), burst_(burst) {}

bool alarm_limiter::admit(const std::string& node, const std::string& id, time_point now) {
  lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) it = nodes_.emplace(node, node_state{{rate_, burst_, now}, {}, 0}).first;
  auto& n = it->second;
  if (n.bucket.take(now)) return true;
  // Ids past one ack's worth are not listed: the agent holds back all of
  // its unconfirmed alarms on any refusal, and its resend timer covers them.
  if (n.refused_ids.size() < protocol::alarm_ack::k_max_ids) n.refused_ids.push_back(id);
  ++n.unlogged;
  if (auto total = refused_.find(node); total != refused_.end()) {
    ++total->second;
  } else if (refused_.size() < k_max_counted_nodes) {
    refused_.emplace(node, 1);
  }
  return false;
}

std::vector<alarm_limiter::refusal> alarm_limiter::take_refusals(time_point now) {
  lock_guard lock(mu_);
  std::vector<refusal> out;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    auto& n = it->second;
    if (!n.refused_ids.empty()) {
      out.push_back({it->first, std::move(n.refused_ids),
                     std::clamp(n.bucket.until_full(now), k_min_retry_after, k_max_retry_after),
                     total_of(it->first)});
      n.refused_ids.clear();
    }
    if (n.unlogged == 0 && n.bucket.full(now)) {
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::uint64_t alarm_limiter::total_of(const std::string& node) const {
  auto it = refused_.find(node);
  return it == refused_.end() ? 0 : it->second;
}

std::map<std::string, std::uint64_t> alarm_limiter::take_unlogged() {
  lock_guard lock(mu_);
  std::map<std::string, std::uint64_t> out;
  for (auto& [node, n] : nodes_) {
    if (n.unlogged > 0) out.emplace(node, std::exchange(n.unlogged, 0));
  }
  return out;
}

}  // namespace peranda::master
