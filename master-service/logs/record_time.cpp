// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/record_time.hpp"

namespace peranda::master {
namespace {

std::optional<int> digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  auto era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  auto doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::uint64_t> record_time_ms(std::string_view line) {
  auto year = digits(line, 0, 4);
  auto month = digits(line, 5, 2);
  auto day = digits(line, 8, 2);
  auto hour = digits(line, 11, 2);
  auto minute = digits(line, 14, 2);
  auto second = digits(line, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || line[4] != '-' || line[7] != '-' ||
      line[10] != 'T' || line[13] != ':' || line[16] != ':' || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60 || *year < 1970) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::uint64_t ms = 0;
  if (at < line.size() && line[at] == '.') {
    std::size_t n = 0;
    for (++at; at < line.size() && n < 9 && line[at] >= '0' && line[at] <= '9'; ++at, ++n) {
      if (n < 3) ms = ms * 10 + static_cast<std::uint64_t>(line[at] - '0');
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) ms *= 10;
  }
  if (at >= line.size() || line[at] != 'Z') return std::nullopt;
  if (at + 1 < line.size() && line[at + 1] != ' ') return std::nullopt;
  auto days = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  auto secs = days * 86400 + *hour * 3600 + *minute * 60 + *second;
  return static_cast<std::uint64_t>(secs) * 1000 + ms;
}

}  // namespace peranda::master
