// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/source_status.hpp"

namespace peranda::agent {

void source_status::failing(std::string_view source, std::string why) {
  lock_guard lock(mu_);
  failing_.insert_or_assign(std::string(source), std::move(why));
}

void source_status::ok(std::string_view source) {
  lock_guard lock(mu_);
  if (auto it = failing_.find(source); it != failing_.end()) failing_.erase(it);
}

std::map<std::string, std::string, std::less<>> source_status::failing() const {
  lock_guard lock(mu_);
  return failing_;
}

}  // namespace peranda::agent
