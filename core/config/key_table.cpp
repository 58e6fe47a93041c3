// SPDX-License-Identifier: Apache-2.0
#include "core/config/key_table.hpp"

#include <deque>

#include "core/config/units.hpp"

namespace peranda {

result<void> absolute_path(std::string_view path) {
  if (path.empty() || std::filesystem::path(path).is_relative()) {
    return fail("must be an absolute path");
  }
  return {};
}

result<void> compute_default(const config_section& s, std::string_view key, std::string& value,
                             std::string (*compute)(), text_check check) {
  if (!value.empty()) return {};
  value = compute();
  if (auto ok = check(value); !ok) return std::unexpected(s.error_at(key, ok.error().message));
  return {};
}

namespace detail {
namespace {

std::string number_text(key_type type, std::uint64_t n) {
  switch (type) {
    case key_type::bytes: return format_bytes(n);
    case key_type::duration: return format_duration(std::chrono::milliseconds(n));
    default: return std::to_string(n);
  }
}

std::string range_text(key_type type, value_range r) {
  if (r.max == value_range{}.max) return "at least " + number_text(type, r.min);
  return fmt::format("between {} and {}", number_text(type, r.min), number_text(type, r.max));
}

// key_spec holds views: described tables are built once per program and
// their texts kept here for its lifetime.
std::string_view keep(std::string text) {
  static std::deque<std::string> texts;
  return texts.emplace_back(std::move(text));
}

}  // namespace

result<std::uint64_t> checked_number(const config_section& s, const key_spec& spec,
                                     const config_value& v, value_range range,
                                     std::uint64_t type_max) {
  bool open_ended = range.max == value_range{}.max;
  range.max = std::min(range.max, type_max);
  std::uint64_t n = 0;
  bool negative = false;
  switch (spec.type) {
    case key_type::integer:
      negative = v.integer < 0;
      n = static_cast<std::uint64_t>(v.integer);
      break;
    case key_type::bytes: n = v.bytes; break;
    case key_type::duration: n = static_cast<std::uint64_t>(v.duration.count()); break;
    default: break;
  }
  if (negative || n < range.min || n > range.max) {
    if (open_ended) range.max = value_range{}.max;  // "at least", not the type's limit
    return std::unexpected(s.error_at(spec.name, "must be " + range_text(spec.type, range)));
  }
  return n;
}

result<void> checked_text(const config_section& s, const key_spec& spec, text_check check,
                          std::string_view text, bool item) {
  if (!check) return {};
  auto ok = check(text);
  if (!ok) {
    return std::unexpected(s.error_at(
        spec.name, item ? fmt::format("'{}': {}", text, ok.error().message) : ok.error().message));
  }
  return {};
}

void add_described(std::vector<key_spec>& out, key_spec spec, std::string default_text,
                   value_range range) {
  if (spec.default_value.empty() && !default_text.empty()) spec.default_value = keep(default_text);
  if (range != value_range{}) spec.allowed = keep(range_text(spec.type, range));
  out.push_back(spec);
}

std::string default_text(key_type type, std::uint64_t number) { return number_text(type, number); }

}  // namespace detail
}  // namespace peranda
