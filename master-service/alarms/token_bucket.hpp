// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

namespace peranda::master {

// A token bucket: `burst` tokens at most, refilled at `rate` per second.
// Time is passed in, so tests need no clock. Not thread-safe (its owner
// guards it).
class token_bucket {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // REQUIRES: rate > 0, burst >= 1. Starts full.
  token_bucket(double rate, double burst, time_point now);

  // Takes one token if there is one.
  bool take(time_point now);
  // How long until the bucket is full again (zero if it is).
  std::chrono::milliseconds until_full(time_point now);
  // Full at `now`: forgetting it changes nothing (a new one starts full).
  bool full(time_point now);

 private:
  void refill(time_point now);

  // Constant after construction
  double rate_;
  double burst_;

  double tokens_;
  time_point last_;
};

}  // namespace peranda::master
