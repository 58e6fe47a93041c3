// SPDX-License-Identifier: Apache-2.0
#include "master-service/metrics/counters.hpp"

#include <spdlog/spdlog.h>

namespace peranda::master {

void labelled_counter::add(std::string_view label, std::uint64_t n) {
  lock_guard lock(mu_);
  auto it = counts_.find(label);
  if (it == counts_.end()) it = counts_.emplace(std::string(label), 0).first;
  it->second += n;
}

std::map<std::string, std::uint64_t> labelled_counter::snapshot() const {
  lock_guard lock(mu_);
  return {counts_.begin(), counts_.end()};
}

std::uint64_t labelled_counter::get(std::string_view label) const {
  lock_guard lock(mu_);
  auto it = counts_.find(label);
  return it == counts_.end() ? 0 : it->second;
}

void rejection_log::reject(std::string_view reason, std::string_view detail) {
  counts_.add(reason);
  lock_guard lock(mu_);
  if (seen_.emplace(std::string(reason), true).second) {
    log_->warn("rejected message ({}): {:.300}", reason, detail);
    return;
  }
  auto& p = unlogged_[std::string(reason)];
  ++p.count;
  p.last_detail = std::string(detail.substr(0, 300));
}

void rejection_log::log_summary() {
  std::map<std::string, pending, std::less<>> batch;
  {
    lock_guard lock(mu_);
    batch.swap(unlogged_);
  }
  for (const auto& [reason, p] : batch) {
    log_->warn("rejected {} more message(s) ({}) since the last report; last: {}", p.count, reason,
               p.last_detail);
  }
}

}  // namespace peranda::master
