// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/util/mutex.hpp"
#include "master-service/alarms/token_bucket.hpp"

namespace peranda::master {

// Per-node admission of alarms, so one node cannot flood the journal or the
// hook: a token bucket per node (`rate` alarms per second, `burst` at once).
// A refused alarm is neither journaled nor confirmed, so it stays in its
// agent's outbox; its id goes into the node's next refusal (an alarm ack
// with `refused` and `retry_after_ms`, sent at most once per take_refusals()
// call), which tells the agent to hold back. Counted per node.
// Thread-safe.
class alarm_limiter {
 public:
  using time_point = token_bucket::time_point;

  struct refusal {
    std::string node;
    std::vector<std::string> ids;             // at most alarm_ack::k_max_ids
    std::chrono::milliseconds retry_after{};  // until the bucket is full: 1-60 s
    std::uint64_t total = 0;                  // the node's alarms refused since the start
  };

  // REQUIRES: rate > 0, burst >= 1.
  alarm_limiter(double rate, double burst);

  // Takes one of `node`'s tokens: true if the alarm may be journaled.
  [[nodiscard]] bool admit(const std::string& node, const std::string& id, time_point now);
  // One refusal per node that had alarms refused since the last call; also
  // forgets nodes whose bucket is full again (a new bucket starts full), so
  // the map holds only nodes that sent alarms lately.
  std::vector<refusal> take_refusals(time_point now);
  // Alarms refused per node since the last call (for a log summary).
  std::map<std::string, std::uint64_t> take_unlogged();

 private:
  struct node_state {
    token_bucket bucket;
    std::vector<std::string> refused_ids;
    std::uint64_t unlogged = 0;
  };

  std::uint64_t total_of(const std::string& node) const REQUIRES(mu_);

  // Constant after construction
  const double rate_;
  const double burst_;

  mutable mutex mu_;
  std::map<std::string, node_state> nodes_ GUARDED_BY(mu_);
  std::map<std::string, std::uint64_t> refused_ GUARDED_BY(mu_);
};

}  // namespace peranda::master
