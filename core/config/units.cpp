// SPDX-License-Identifier: Apache-2.0
#include "core/config/units.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace peranda {
namespace {

// Splits "123abc" into 123 and "abc"; false if no digits or overflow.
bool take_number(std::string_view& text, std::uint64_t& value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
  return true;
}

std::string_view take_unit(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && ((text[n] >= 'a' && text[n] <= 'z') || (text[n] >= 'A' && text[n] <= 'Z'))) ++n;
  auto unit = text.substr(0, n);
  text.remove_prefix(n);
  return unit;
}

}  // namespace

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> k_units{
      {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
  auto bad = [&] {
    return failf("bad duration '{}' (use a whole number with ms, s, m, h or d, e.g. 10s or 1m30s)",
                 text);
  };
  if (text.empty()) return bad();
  std::string_view rest = text;
  std::uint64_t total = 0;
  while (!rest.empty()) {
    std::uint64_t n = 0;
    if (!take_number(rest, n)) return bad();
    auto unit = take_unit(rest);
    std::uint64_t scale = 0;
    for (const auto& [name, ms] : k_units) {
      if (name == unit) scale = ms;
    }
    if (scale == 0) return bad();
    if (n > std::numeric_limits<std::int64_t>::max() / scale / 2) return bad();
    total += n * scale;
  }
  return std::chrono::milliseconds(total);
}

result<std::uint64_t> parse_bytes(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 9> k_units{
      {{"", 1},
       {"B", 1},
       {"KiB", 1ull << 10},
       {"MiB", 1ull << 20},
       {"GiB", 1ull << 30},
       {"TiB", 1ull << 40},
       {"KB", 1000},
       {"MB", 1000'000},
       {"GB", 1000'000'000}}};
  std::string_view rest = text;
  std::uint64_t n = 0;
  if (take_number(rest, n)) {
    for (const auto& [name, scale] : k_units) {
      if (name == rest && n <= std::numeric_limits<std::uint64_t>::max() / scale) return n * scale;
    }
  }
  return failf("bad size '{}' (use bytes or a number with KiB, MiB, GiB, e.g. 64KiB)", text);
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = static_cast<std::uint64_t>(d.count());
  if (ms == 0) return "0s";
  std::string out;
  for (auto [name, scale] : {std::pair<const char*, std::uint64_t>{"d", 86'400'000},
                             {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}) {
    if (ms >= scale) {
      out += fmt::format("{}{}", ms / scale, name);
      ms %= scale;
    }
  }
  return out;
}

std::string format_bytes(std::uint64_t bytes) {
  for (auto [name, shift] : {std::pair<const char*, int>{"TiB", 40}, {"GiB", 30}, {"MiB", 20},
                             {"KiB", 10}}) {
    auto scale = 1ull << shift;
    if (bytes >= scale && bytes % scale == 0) return fmt::format("{}{}", bytes / scale, name);
  }
  return fmt::format("{}B", bytes);
}

}  // namespace peranda
