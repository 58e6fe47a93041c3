// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "core/util/mutex.hpp"

namespace peranda::master {

// What Paho's callback thread consults before an upload message may take
// memory in the master's upload backlog: the transfers a node may be sending
// (begun while it had an open pull), and a per-node budget for messages that
// will only be answered with a `rejected` ack (a begin without a pull,
// chunks or ends of transfers the master does not run). Everything else is
// dropped before it is queued, and the answers a node can provoke are
// bounded, so that no node can fill the backlog or Paho's outgoing buffer.
// Thread-safe; every call holds the mutex only briefly (never during I/O).
class transfer_gate {
 public:
  using clock = std::chrono::steady_clock;

  // Transfers a node may have open here at once (the agent runs one; a
  // begin repeated under a new id after a restart may overlap).
  static constexpr std::size_t k_per_node = 4;
  // Answers per node and interval to messages of no open transfer.
  static constexpr unsigned k_answers = 20;
  static constexpr clock::duration k_answer_interval = std::chrono::seconds(10);
  // Nodes with a budget in use at once; beyond, no answers (counted).
  static constexpr std::size_t k_max_budgets = 100'000;

  // `node` may send `transfer` from now on (its oldest beyond k_per_node is
  // forgotten).
  void open(const std::string& node, const std::string& transfer);
  // The transfer ended (or was refused): its messages are no longer expected.
  void close(const std::string& node, const std::string& transfer);
  bool expects(std::string_view node, std::string_view transfer) const;
  // Whether `node` has answers left at `now` for messages of no open
  // transfer (the claim drops such messages when it has none).
  bool answers_left(std::string_view node, clock::time_point now) const;
  // Spends one answer; false when none is left (the answer is not sent).
  bool spend_answer(const std::string& node, clock::time_point now);

 private:
  struct budget {
    clock::time_point since{};
    unsigned used = 0;
  };

  mutable mutex mu_;
  std::map<std::string, std::deque<std::string>, std::less<>> open_ GUARDED_BY(mu_);
  std::map<std::string, budget, std::less<>> budgets_ GUARDED_BY(mu_);
};

}  // namespace peranda::master
