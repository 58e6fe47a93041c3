// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/journal_record.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace peranda::agent {
namespace {

constexpr std::string_view k_names[] = {"emerg",   "alert",  "crit", "err",
                                        "warning", "notice", "info", "debug"};
constexpr std::pair<std::string_view, int> k_aliases[] = {
    {"emergency", 0}, {"critical", 2}, {"error", 3}, {"warn", 4}};

void append_value(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += '=';
  if (value.empty()) {
    out += '-';
  } else {
    for (char c : value) out += (c == ' ' || c == '\t' || c == '\n' || c == '\r') ? '_' : c;
  }
  out += ' ';
}

}  // namespace

result<int> parse_priority(std::string_view text) {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '7') return text[0] - '0';
  for (int p = 0; p < 8; ++p) {
    if (k_names[p] == text) return p;
  }
  for (const auto& [name, p] : k_aliases) {
    if (name == text) return p;
  }
  return failf(
      "unknown priority '{}' (emerg, alert, crit, err, warning, notice, info, debug or "
      "0-7)",
      text);
}

std::string_view priority_name(int priority) {
  return priority >= 0 && priority < 8 ? k_names[priority] : "-";
}

std::string journal_prefix(const journal_entry& e) {
  std::string out;
  append_value(out, "priority", e.priority ? priority_name(*e.priority) : "");
  append_value(out, "unit", e.unit);
  append_value(out, "identifier", e.identifier);
  append_value(out, "pid", e.pid);
  auto t =
      std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(e.realtime_us));
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  out += fmt::format("time={:%Y-%m-%dT%H:%M:%S}.{:03}Z message=", secs, ms);
  return out;
}

std::string journal_stream_key(const journal_entry& e) {
  return fmt::format("{}\n{}\n{}", e.unit, e.identifier, e.pid);
}

std::optional<cursor_place> parse_cursor(std::string_view cursor) {
  cursor_place place;
  bool have_id = false;
  bool have_seqnum = false;
  while (!cursor.empty()) {
    auto semi = cursor.find(';');
    auto part = cursor.substr(0, semi);
    cursor = semi == std::string_view::npos ? std::string_view{} : cursor.substr(semi + 1);
    if (part.starts_with("s=")) {
      place.seqnum_id = std::string(part.substr(2));
      have_id = !place.seqnum_id.empty();
    } else if (part.starts_with("i=")) {
      auto digits = part.substr(2);
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), place.seqnum, 16);
      have_seqnum = ec == std::errc() && end == digits.data() + digits.size() && !digits.empty();
    }
  }
  if (!have_id || !have_seqnum) return std::nullopt;
  return place;
}

}  // namespace peranda::agent
