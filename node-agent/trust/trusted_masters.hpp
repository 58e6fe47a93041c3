// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace peranda::agent {

// The masters this agent takes requests and acks from (`[agent] masters`;
// empty: any master). A master id is only what a message says: the broker
// ACL lets only master users write the topics it is read from, so this
// bounds which ids a listed master's messages may carry, not who sent them
// (docs/agent.md, "Which masters are trusted"). Immutable; thread-safe.
class trusted_masters {
 public:
  trusted_masters() = default;
  explicit trusted_masters(std::vector<std::string> ids);

  bool allows(std::string_view master) const;

 private:
  std::vector<std::string> ids_;
};

}  // namespace peranda::agent
