// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/util/mutex.hpp"

namespace re2 {
class RE2;
}

namespace peranda::agent {

struct rule_settings {
  std::string name;
  std::string pattern;   // RE2, searched anywhere in the line
  std::string recovery;  // optional RE2: a match ends the rule's raised state
  protocol::severity level = protocol::severity::warning;
  std::vector<std::string> sources;       // empty: every source
  std::uint64_t threshold = 1;            // matches needed ...
  std::chrono::milliseconds within{0};    // ... within this window (0: any time)
  std::chrono::milliseconds cooldown{0};  // after an alarm, matches only count as suppressed
};

// What a line made a rule do: raise an alarm (or report a recovery).
struct rule_hit {
  std::string rule;
  protocol::severity level;
  std::string source;
  std::string line;
  std::uint64_t offset = 0;
  std::uint64_t suppressed = 0;
  bool recovery = false;
  std::string origin;  // set by the line sink: which file `offset` is in
};

// `text` as an alarm's `line`: at most protocol::alarm::k_max_line bytes;
// a longer text (a multi-line event) is cut at a UTF-8 character boundary
// and ends in the marker ` [... N more bytes]`.
[[nodiscard]] std::string alarm_line(std::string_view text);

// Checks lines against the alarm rules as they arrive. Each source gets one
// RE2::Set holding the patterns (and recovery patterns) of the rules that
// apply to it, so a line costs one pass whatever the number of rules.
// Sans-I/O: time comes in as an argument. A source may have a cap on lines
// checked per second; lines above it are not checked and are counted.
// Thread-safe (one mutex; sources call from their own threads).
class rule_engine {
 public:
  using clock = std::chrono::steady_clock;

  // Compiles every pattern; an invalid one is an error naming the rule.
  [[nodiscard]] static result<std::unique_ptr<rule_engine>> create(
      std::vector<rule_settings> rules, const std::vector<std::string>& source_names);
  ~rule_engine();

  // Sets the check cap of `source` (0: unlimited).
  void set_rate_limit(const std::string& source, std::uint64_t lines_per_second);

  // Checks one line (without its newline) of `source`.
  std::vector<rule_hit> check(const std::string& source, std::string_view line,
                              std::uint64_t offset, clock::time_point now);

  std::uint64_t lines_unchecked() const;

 private:
  struct rule_state {
    rule_settings settings;
    std::deque<clock::time_point> matches;  // inside the threshold window
    std::optional<clock::time_point> last_alarm;
    std::uint64_t suppressed = 0;
    bool raised = false;
  };
  struct source_matcher;

  rule_engine() = default;
  std::optional<rule_hit> on_match(rule_state& rule, const std::string& source,
                                   std::string_view line, std::uint64_t offset,
                                   clock::time_point now) REQUIRES(mu_);
  static std::optional<rule_hit> on_recovery(rule_state& rule, const std::string& source,
                                             std::string_view line, std::uint64_t offset);

  mutable mutex mu_;
  std::vector<rule_state> rules_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<source_matcher>, std::less<>> matchers_ GUARDED_BY(mu_);
  std::uint64_t lines_unchecked_ GUARDED_BY(mu_) = 0;
};

}  // namespace peranda::agent
