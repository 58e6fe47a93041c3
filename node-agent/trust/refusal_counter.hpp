// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace peranda::agent {

// Counts messages of one kind the agent refused to act on (an untrusted
// master, a `complete` that does not match the transfer, a retained
// request), and logs the first and then every 100th with the count so far:
// a flood of them must not flood the log. Thread-safe.
class refusal_counter {
 public:
  // `what` names the kind in the log: "logs ack", "request", ...
  explicit refusal_counter(std::string what) : what_(std::move(what)) {}

  // `why` says which message and why, e.g. "transfer t1-3 of master 'm1': sha256 differs".
  void refuse(std::string_view why);
  std::uint64_t count() const { return count_.load(); }

 private:
  // Constant after construction
  const std::string what_;

  std::atomic<std::uint64_t> count_{0};
};

}  // namespace peranda::agent
