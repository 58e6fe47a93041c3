// SPDX-License-Identifier: Apache-2.0
#include "core/config/config_document.hpp"

#include "core/config/units.hpp"

namespace peranda {

const config_value* config_section::find(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string config_section::string_or(std::string_view key, std::string fallback) const {
  const auto* v = find(key);
  return v ? v->text : std::move(fallback);
}
std::int64_t config_section::integer_or(std::string_view key, std::int64_t fallback) const {
  const auto* v = find(key);
  return v ? v->integer : fallback;
}
bool config_section::boolean_or(std::string_view key, bool fallback) const {
  const auto* v = find(key);
  return v ? v->boolean : fallback;
}
std::chrono::milliseconds config_section::duration_or(std::string_view key,
                                                      std::chrono::milliseconds fallback) const {
  const auto* v = find(key);
  return v ? v->duration : fallback;
}
std::uint64_t config_section::bytes_or(std::string_view key, std::uint64_t fallback) const {
  const auto* v = find(key);
  return v ? v->bytes : fallback;
}
std::vector<std::string> config_section::list_or(std::string_view key,
                                                 std::vector<std::string> fallback) const {
  const auto* v = find(key);
  return v ? v->list : std::move(fallback);
}

error config_section::error_at(std::string_view key, std::string_view why) const {
  const auto* v = find(key);
  int line = v ? v->line : line_;
  return error{fmt::format("{}:{}: key '{}.{}': {}", file_, line, name_, key, why)};
}

const config_section& config_document::section(std::string_view name) const {
  static const config_section k_empty;
  auto it = sections_.find(name);
  return it == sections_.end() ? k_empty : it->second;
}

const std::vector<config_section>& config_document::array(std::string_view name) const {
  static const std::vector<config_section> k_empty;
  auto it = arrays_.find(name);
  return it == arrays_.end() ? k_empty : it->second;
}

std::string describe_keys(std::span<const key_spec> keys) {
  static constexpr std::string_view k_type_names[] = {"string",   "integer", "boolean",
                                                      "duration", "size",    "list of strings",
                                                      "string or list of strings"};
  std::string out;
  std::string_view current;
  for (const auto& k : keys) {
    if (k.section != current || out.empty()) {
      current = k.section;
      bool array = current.ends_with("[]");
      auto name = array ? current.substr(0, current.size() - 2) : current;
      out += fmt::format("\n### {}{}{}\n\n| key | type | default | meaning |\n|---|---|---|---|\n",
                         array ? "[[" : "[", name, array ? "]]" : "]");
    }
    out += fmt::format("| `{}` | {} | {} | {} |\n", k.name,
                       k_type_names[static_cast<int>(k.type)],
                       k.default_value.empty() ? "—" : fmt::format("`{}`", k.default_value),
                       k.allowed.empty() ? std::string(k.help)
                                         : fmt::format("{} Must be {}.", k.help, k.allowed));
  }
  return out;
}

}  // namespace peranda
