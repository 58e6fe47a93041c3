// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/transfer_gate.hpp"

#include <algorithm>

namespace peranda::master {

void transfer_gate::open(const std::string& node, const std::string& transfer) {
  lock_guard lock(mu_);
  auto& ids = open_[node];
  if (std::ranges::find(ids, transfer) != ids.end()) return;
  ids.push_back(transfer);
  while (ids.size() > k_per_node) ids.pop_front();
}

void transfer_gate::close(const std::string& node, const std::string& transfer) {
  lock_guard lock(mu_);
  auto it = open_.find(node);
  if (it == open_.end()) return;
  std::erase(it->second, transfer);
  if (it->second.empty()) open_.erase(it);
}

bool transfer_gate::expects(std::string_view node, std::string_view transfer) const {
  lock_guard lock(mu_);
  auto it = open_.find(node);
  return it != open_.end() && std::ranges::find(it->second, transfer) != it->second.end();
}

bool transfer_gate::answers_left(std::string_view node, clock::time_point now) const {
  lock_guard lock(mu_);
  auto it = budgets_.find(node);
  return it == budgets_.end() || now - it->second.since >= k_answer_interval ||
         it->second.used < k_answers;
}

bool transfer_gate::spend_answer(const std::string& node, clock::time_point now) {
  lock_guard lock(mu_);
  // A bridge user may write for any node id: forget budgets that would be
  // fresh anyway before keeping more than k_max_budgets.
  if (budgets_.size() >= k_max_budgets && !budgets_.contains(node)) {
    std::erase_if(budgets_,
                  [&](const auto& e) { return now - e.second.since >= k_answer_interval; });
    if (budgets_.size() >= k_max_budgets) return false;
  }
  auto& b = budgets_[node];
  if (now - b.since >= k_answer_interval) b = {now, 0};
  if (b.used >= k_answers) return false;
  ++b.used;
  return true;
}

}  // namespace peranda::master
