// SPDX-License-Identifier: Apache-2.0
#include "node-agent/rules/rule_config.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "core/config/key_table.hpp"
#include "core/protocol/identifiers.hpp"
#include "core/protocol/messages/alarm.hpp"

namespace peranda::agent {
namespace {

result<void> re2_pattern(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(pattern, options);
  if (!re.ok()) return failf("invalid RE2 pattern: {}", re.error());
  return {};
}

result<void> match_pattern(std::string_view pattern) {
  if (pattern.empty()) return fail("a rule needs a non-empty pattern");
  return re2_pattern(pattern);
}

result<void> read_severity(rule_settings& out, std::string_view text) {
  auto level = protocol::parse_severity(text);
  if (!level) return std::unexpected(level.error());
  out.level = *level;
  return {};
}

std::string show_severity(const rule_settings& defaults) {
  return std::string(protocol::to_string(defaults.level));
}

using rule_key = config_key<rule_settings>;

constexpr rule_key k_rule_keys[] = {
    {{"rule[]", "name", key_type::string, "", "Unique rule name; sent in each alarm."},
     &rule_settings::name, {}, protocol::validate_node_id},
    {{"rule[]", "pattern", key_type::string, "",
      "RE2 regular expression searched in each line."},
     &rule_settings::pattern, {}, match_pattern},
    {{"rule[]", "severity", key_type::string, "", "critical, error, warning or info."},
     custom_field<rule_settings>{read_severity, show_severity}},
    {{"rule[]", "sources", key_type::string_list, "[] (all)", "Names of the sources it watches."},
     &rule_settings::sources},
    {{"rule[]", "threshold", key_type::integer, "",
      "Matches needed (within `within`) before an alarm is raised."},
     &rule_settings::threshold, {1, 1'000'000}},
    {{"rule[]", "within", key_type::duration, "0s (no limit)",
      "Window in which `threshold` matches must fall."},
     &rule_settings::within},
    {{"rule[]", "cooldown", key_type::duration, "",
      "After an alarm, matches only count as suppressed for this long; the next alarm reports "
      "the count."},
     &rule_settings::cooldown},
    {{"rule[]", "recovery", key_type::string, "",
      "RE2 pattern ending a raised alarm: sends an `info` alarm of the rule and resets it."},
     &rule_settings::recovery, {}, re2_pattern},
};

}  // namespace

std::span<const key_spec> rule_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out;
    describe_defaults<rule_settings>(out, k_rule_keys);
    return out;
  }();
  return keys;
}

result<std::vector<rule_settings>> load_rules(const std::vector<config_section>& tables,
                                              const std::vector<std::string>& source_names) {
  std::vector<rule_settings> out;
  std::set<std::string> names;
  for (const auto& t : tables) {
    if (!t.has("name")) return std::unexpected(t.error_at("name", "missing"));
    if (!t.has("pattern")) {
      return std::unexpected(t.error_at("pattern", "a rule needs a non-empty pattern"));
    }
    rule_settings r;
    if (auto ok = load_keys<rule_settings>(t, k_rule_keys, r); !ok) {
      return std::unexpected(ok.error());
    }
    if (!names.insert(r.name).second) {
      return std::unexpected(t.error_at("name", fmt::format("duplicate rule name '{}'", r.name)));
    }
    for (const auto& s : r.sources) {
      if (std::ranges::find(source_names, s) == source_names.end()) {
        return std::unexpected(t.error_at("sources", fmt::format("no [[source]] named '{}'", s)));
      }
    }
    if (r.threshold > 1 && r.within.count() == 0 && t.has("within")) {
      return std::unexpected(t.error_at("within", "must be longer than 0s"));
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace peranda::agent
