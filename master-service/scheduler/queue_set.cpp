// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/queue_set.hpp"

#include <algorithm>

namespace peranda::master {

queue_set::queue_set(unsigned queues) : queues_(std::max(queues, 1u)) {}

unsigned queue_set::assign(std::string_view node) {
  if (auto known = queue_of(node)) return *known;
  auto shortest = std::ranges::min_element(
      queues_, [](const auto& a, const auto& b) { return a.size() < b.size(); });
  auto q = static_cast<unsigned>(shortest - queues_.begin());
  shortest->emplace_back(node);
  where_.emplace(std::string(node), q);
  return q;
}

std::optional<unsigned> queue_set::remove(std::string_view node) {
  auto it = where_.find(std::string(node));
  if (it == where_.end()) return std::nullopt;
  unsigned q = it->second;
  std::erase(queues_[q], it->first);
  where_.erase(it);
  return q;
}

std::optional<unsigned> queue_set::queue_of(std::string_view node) const {
  auto it = where_.find(std::string(node));
  if (it == where_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::size_t> queue_set::lengths() const {
  std::vector<std::size_t> out;
  for (const auto& q : queues_) out.push_back(q.size());
  return out;
}

}  // namespace peranda::master
