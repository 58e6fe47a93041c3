// SPDX-License-Identifier: Apache-2.0
#include "node-agent/trust/refusal_counter.hpp"

#include "core/log/log.hpp"

namespace peranda::agent {

void refusal_counter::refuse(std::string_view why) {
  static auto log = get_logger("agent.trust");
  auto n = ++count_;
  if (n == 1 || n % 100 == 0) log->warn("refused {} ({} so far): {}", what_, n, why);
}

}  // namespace peranda::agent
