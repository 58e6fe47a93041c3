// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/line_sink.hpp"

#include <fmt/chrono.h>

#include <chrono>

namespace peranda::agent {

line_sink::line_sink(spool& spool, rule_engine& rules, alarm_handler on_alarm, std::size_t max_line)
    : spool_(spool), rules_(rules), on_alarm_(std::move(on_alarm)), max_line_(max_line) {}

result<void> line_sink::deliver(const std::string& source, const std::vector<source_line>& lines,
                                std::string_view origin) {
  // Rules first: an alarm goes out before its batch waits for the disk, and
  // a spool that cannot be written does not silence alarms.
  check_rules(source, lines, origin);
  return spool_lines(source, lines);
}

result<void> line_sink::spool_lines(const std::string& source,
                                    const std::vector<source_line>& lines) {
  if (lines.empty()) return {};
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
  auto stamp = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", secs, ms);
  std::string records;
  for (const auto& l : lines) {
    records += stamp;
    records += ' ';
    records += source;
    records += ' ';
    escape_record_text(l.prefix, records);
    escape_record_text(l.text, records);
    records += '\n';
  }
  if (auto ok = spool_.append(records, now); !ok) return ok;
  lines_spooled_ += lines.size();
  return {};
}

void line_sink::check_rules(const std::string& source, const std::vector<source_line>& lines,
                            std::string_view origin) {
  auto steady = rule_engine::clock::now();
  for (const auto& l : lines) {
    for (auto& hit : rules_.check(source, l.text, l.offset, steady)) {
      hit.origin = origin;
      on_alarm_(std::move(hit));
    }
  }
}

void escape_record_text(std::string_view text, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::string unescape_record_text(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    char next = text[++i];
    out += next == 'n' ? '\n' : next == 'r' ? '\r' : next;
  }
  return out;
}

void split_lines(std::string_view data, std::uint64_t base, std::string& partial,
                 std::uint64_t& partial_offset, std::size_t max_line,
                 std::vector<source_line>& out) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (partial.empty()) partial_offset = base + pos;
    auto nl = data.find('\n', pos);
    auto end = nl == std::string_view::npos ? data.size() : nl;
    auto room = max_line - partial.size();
    if (end - pos > room) {
      // Too long for one record: emit a full piece and continue the line.
      partial.append(data.substr(pos, room));
      out.push_back({std::move(partial), partial_offset});
      partial.clear();
      pos += room;
      continue;
    }
    partial.append(data.substr(pos, end - pos));
    if (nl == std::string_view::npos) return;
    out.push_back({std::move(partial), partial_offset});
    partial.clear();
    pos = nl + 1;
  }
}

}  // namespace peranda::agent
