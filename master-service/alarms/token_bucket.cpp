// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace peranda::master {

token_bucket::token_bucket(double rate, double burst, time_point now)
    : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

void token_bucket::refill(time_point now) {
  if (now <= last_) return;  // time never runs backwards for the bucket
  std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  last_ = now;
}

bool token_bucket::take(time_point now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::milliseconds token_bucket::until_full(time_point now) {
  refill(now);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::ceil((burst_ - tokens_) / rate_ * 1000.0)));
}

bool token_bucket::full(time_point now) {
  refill(now);
  return tokens_ >= burst_;
}

}  // namespace peranda::master
