// SPDX-License-Identifier: Apache-2.0
#include "node-agent/rules/rule_engine.hpp"

#include <fmt/format.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

namespace peranda::agent {

// The rules of one source in one RE2::Set. Set index i stands for
// targets_[i]: a rule and whether it is that rule's recovery pattern.
struct rule_engine::source_matcher {
  struct target {
    std::size_t rule;
    bool recovery;
  };
  source_matcher() : set(options(), RE2::UNANCHORED) {}
  static RE2::Options options() {
    RE2::Options o;
    o.set_log_errors(false);
    return o;
  }

  RE2::Set set;
  std::vector<target> targets;
  std::uint64_t limit = 0;  // lines per second; 0: unlimited
  clock::time_point second_start{};
  std::uint64_t in_second = 0;
};

std::string alarm_line(std::string_view text) {
  constexpr auto k_max = protocol::alarm::k_max_line;
  if (text.size() <= k_max) return std::string(text);
  // The marker's length depends on the count it names: reserve the longest.
  constexpr std::size_t k_marker_room = sizeof(" [... 18446744073709551615 more bytes]") - 1;
  auto cut = k_max - k_marker_room;
  // Back to the start of a UTF-8 character (not onto a continuation byte).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{} [... {} more bytes]", text.substr(0, cut), text.size() - cut);
}

rule_engine::~rule_engine() = default;

result<std::unique_ptr<rule_engine>> rule_engine::create(
    std::vector<rule_settings> rules, const std::vector<std::string>& source_names) {
  std::unique_ptr<rule_engine> engine(new rule_engine());
  lock_guard lock(engine->mu_);
  for (const auto& name : source_names) {
    engine->matchers_.emplace(name, std::make_unique<source_matcher>());
  }
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const auto& rule = rules[r];
    if (rule.pattern.empty()) return failf("rule '{}': empty pattern", rule.name);
    for (const auto& src : rule.sources) {
      if (!engine->matchers_.contains(src)) {
        return failf("rule '{}': no source named '{}'", rule.name, src);
      }
    }
    for (auto& [name, matcher] : engine->matchers_) {
      if (!rule.sources.empty() && std::ranges::find(rule.sources, name) == rule.sources.end()) {
        continue;
      }
      for (bool recovery : {false, true}) {
        const auto& pattern = recovery ? rule.recovery : rule.pattern;
        if (pattern.empty()) continue;
        std::string why;
        if (matcher->set.Add(pattern, &why) < 0) {
          return failf("rule '{}': invalid {}pattern '{}': {}", rule.name,
                       recovery ? "recovery " : "", pattern, why);
        }
        matcher->targets.push_back({r, recovery});
      }
    }
  }
  for (auto& [name, matcher] : engine->matchers_) {
    if (!matcher->targets.empty() && !matcher->set.Compile()) {
      return failf("source '{}': the rule patterns do not fit RE2's memory budget", name);
    }
  }
  for (auto& rule : rules) engine->rules_.push_back(rule_state{std::move(rule), {}, {}, 0, false});
  return engine;
}

void rule_engine::set_rate_limit(const std::string& source, std::uint64_t lines_per_second) {
  lock_guard lock(mu_);
  auto it = matchers_.find(source);
  if (it != matchers_.end()) it->second->limit = lines_per_second;
}

std::vector<rule_hit> rule_engine::check(const std::string& source, std::string_view line,
                                         std::uint64_t offset, clock::time_point now) {
  std::vector<rule_hit> hits;
  lock_guard lock(mu_);
  auto it = matchers_.find(source);
  if (it == matchers_.end() || it->second->targets.empty()) return hits;
  auto& m = *it->second;
  if (m.limit > 0) {
    if (now - m.second_start >= std::chrono::seconds(1)) {
      m.second_start = now;
      m.in_second = 0;
    }
    if (++m.in_second > m.limit) {
      ++lines_unchecked_;
      return hits;
    }
  }
  std::vector<int> matched;
  if (!m.set.Match(re2::StringPiece(line.data(), line.size()), &matched)) return hits;
  std::ranges::sort(matched);
  for (int index : matched) {
    const auto& target = m.targets[static_cast<std::size_t>(index)];
    auto& rule = rules_[target.rule];
    auto hit = target.recovery ? on_recovery(rule, source, line, offset)
                               : on_match(rule, source, line, offset, now);
    if (hit) hits.push_back(std::move(*hit));
  }
  return hits;
}

std::optional<rule_hit> rule_engine::on_match(rule_state& rule, const std::string& source,
                                              std::string_view line, std::uint64_t offset,
                                              clock::time_point now) {
  const auto& s = rule.settings;
  if (rule.last_alarm && now - *rule.last_alarm < s.cooldown) {
    ++rule.suppressed;
    return std::nullopt;
  }
  rule.matches.push_back(now);
  if (s.within.count() > 0) {
    while (!rule.matches.empty() && now - rule.matches.front() > s.within) rule.matches.pop_front();
  }
  if (rule.matches.size() < s.threshold) return std::nullopt;
  rule.matches.clear();
  rule.last_alarm = now;
  rule.raised = true;
  rule_hit hit{s.name, s.level, source, alarm_line(line), offset, rule.suppressed, false, {}};
  rule.suppressed = 0;
  return hit;
}

std::optional<rule_hit> rule_engine::on_recovery(rule_state& rule, const std::string& source,
                                                 std::string_view line, std::uint64_t offset) {
  if (!rule.raised) return std::nullopt;
  rule.raised = false;
  rule.matches.clear();
  rule.last_alarm.reset();
  rule_hit hit{rule.settings.name,
               protocol::severity::info,
               source,
               alarm_line(line),
               offset,
               rule.suppressed,
               true,
               {}};
  rule.suppressed = 0;
  return hit;
}

std::uint64_t rule_engine::lines_unchecked() const {
  lock_guard lock(mu_);
  return lines_unchecked_;
}

}  // namespace peranda::agent
