// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/util/mutex.hpp"

namespace peranda::agent {

// Which sources are failing right now, and why (for the agent's health):
// a source reports a failure when it cannot read or spool, or its command
// fails, and clears it at its next success. Thread-safe.
class source_status {
 public:
  void failing(std::string_view source, std::string why);
  void ok(std::string_view source);
  // source -> why, by name.
  std::map<std::string, std::string, std::less<>> failing() const;

 private:
  mutable mutex mu_;
  std::map<std::string, std::string, std::less<>> failing_ GUARDED_BY(mu_);
};

}  // namespace peranda::agent
