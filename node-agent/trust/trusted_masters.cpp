// SPDX-License-Identifier: Apache-2.0
#include "node-agent/trust/trusted_masters.hpp"

#include <algorithm>

namespace peranda::agent {

trusted_masters::trusted_masters(std::vector<std::string> ids) : ids_(std::move(ids)) {}

bool trusted_masters::allows(std::string_view master) const {
  return ids_.empty() || std::ranges::find(ids_, master) != ids_.end();
}

}  // namespace peranda::agent
