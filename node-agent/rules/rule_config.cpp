// SPDX-License-Identifier: Apache-2.0
#include "node-agent/rules/rule_config.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "core/protocol/identifiers.hpp"

namespace peranda::agent {
namespace {

constexpr key_spec k_rule_keys[] = {
    {"rule[]", "name", key_type::string, "", "Unique rule name; sent in each alarm."},
    {"rule[]", "pattern", key_type::string, "", "RE2 regular expression searched in each line."},
    {"rule[]", "severity", key_type::string, "warning", "critical, error, warning or info."},
    {"rule[]", "sources", key_type::string_list, "[] (all)", "Names of the sources it watches."},
    {"rule[]", "threshold", key_type::integer, "1",
     "Matches needed (within `within`) before an alarm is raised."},
    {"rule[]", "within", key_type::duration, "0s (no limit)",
     "Window in which `threshold` matches must fall."},
    {"rule[]", "cooldown", key_type::duration, "0s",
     "After an alarm, matches only count as suppressed for this long; the next alarm reports "
     "the count."},
    {"rule[]", "recovery", key_type::string, "",
     "RE2 pattern ending a raised alarm: sends an `info` alarm of the rule and resets it."},
};

result<std::string> checked_pattern(const config_section& t, std::string_view key) {
  auto pattern = t.string_or(key, "");
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(pattern, options);
  if (!re.ok()) {
    return std::unexpected(t.error_at(key, fmt::format("invalid RE2 pattern: {}", re.error())));
  }
  return pattern;
}

}  // namespace

std::span<const key_spec> rule_keys() { return k_rule_keys; }

result<std::vector<rule_settings>> load_rules(const std::vector<config_section>& tables,
                                              const std::vector<std::string>& source_names) {
  std::vector<rule_settings> out;
  std::set<std::string> names;
  for (const auto& t : tables) {
    rule_settings r;
    r.name = t.string_or("name", "");
    if (auto ok = protocol::validate_node_id(r.name); !ok) {
      return std::unexpected(t.error_at("name", ok.error().message));
    }
    if (!names.insert(r.name).second) {
      return std::unexpected(t.error_at("name", fmt::format("duplicate rule name '{}'", r.name)));
    }
    if (t.string_or("pattern", "").empty()) {
      return std::unexpected(t.error_at("pattern", "a rule needs a non-empty pattern"));
    }
    auto pattern = checked_pattern(t, "pattern");
    if (!pattern) return std::unexpected(pattern.error());
    r.pattern = std::move(*pattern);
    if (t.has("recovery")) {
      auto recovery = checked_pattern(t, "recovery");
      if (!recovery) return std::unexpected(recovery.error());
      r.recovery = std::move(*recovery);
    }
    auto level = protocol::parse_severity(t.string_or("severity", "warning"));
    if (!level) return std::unexpected(t.error_at("severity", level.error().message));
    r.level = *level;
    r.sources = t.list_or("sources", {});
    for (const auto& s : r.sources) {
      if (std::ranges::find(source_names, s) == source_names.end()) {
        return std::unexpected(t.error_at("sources", fmt::format("no [[source]] named '{}'", s)));
      }
    }
    auto threshold = t.integer_or("threshold", 1);
    if (threshold < 1 || threshold > 1'000'000) {
      return std::unexpected(t.error_at("threshold", "must be 1 .. 1000000"));
    }
    r.threshold = static_cast<std::uint64_t>(threshold);
    r.within = t.duration_or("within", r.within);
    if (r.threshold > 1 && r.within.count() == 0 && t.has("within")) {
      return std::unexpected(t.error_at("within", "must be longer than 0s"));
    }
    r.cooldown = t.duration_or("cooldown", r.cooldown);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace peranda::agent
