// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "node-agent/rules/rule_engine.hpp"
#include "node-agent/sources/source_status.hpp"
#include "node-agent/spool/spool.hpp"

namespace peranda::agent {

// A line read from a source, without its newline; or a multi-line event,
// its lines joined with '\n'.
struct source_line {
  source_line() = default;
  source_line(std::string t, std::uint64_t o, std::string p = {})
      : text(std::move(t)), offset(o), prefix(std::move(p)) {}

  std::string text;
  std::uint64_t offset = 0;  // byte offset in the source (file) or run counter (exec)
  // Spooled before `text` but not matched by the rules (a journal entry's
  // fields).
  std::string prefix;
};

// Where every source delivers its lines: each becomes one spool record
// `<UTC time> <source> <prefix><text>` (escaped, see escape_record_text)
// and is checked against the alarm rules.
// Alarms go to the handler given at construction. Thread-safe.
class line_sink {
 public:
  using alarm_handler = std::function<void(rule_hit)>;

  line_sink(spool& spool, rule_engine& rules, alarm_handler on_alarm, std::size_t max_line);

  // Checks `lines` against the rules, then spools them all in one append
  // (an error means none or only some were spooled; the rules were checked).
  // `origin` names the file the offsets refer to (file sources), so a line
  // read again after a crash raises an alarm with the same id.
  [[nodiscard]] result<void> deliver(const std::string& source,
                                     const std::vector<source_line>& lines,
                                     std::string_view origin = {});
  // The two halves, for a caller that must save state between them.
  void check_rules(const std::string& source, const std::vector<source_line>& lines,
                   std::string_view origin);
  [[nodiscard]] result<void> spool_lines(const std::string& source,
                                         const std::vector<source_line>& lines);
  spool_mark mark() const { return spool_.mark(); }
  [[nodiscard]] result<std::uint64_t> records_since(std::string_view source,
                                                    const spool_mark& m) const {
    return spool_.records_since(source, m);
  }

  // Counts lines lost before they reached the sink (output caps, spool errors).
  void count_dropped(std::uint64_t n) { lines_dropped_ += n; }
  // Counts journal messages cut at max_line.
  void count_truncated() { ++lines_truncated_; }
  // Counts multi-line events ended by multiline_max_lines / _max_bytes.
  void count_split(std::uint64_t n) { events_split_ += n; }
  // Counts gaps: entries a source had not read were deleted (a journal
  // vacuumed while the agent was down).
  void count_gap() { ++source_gaps_; }

  std::uint64_t lines_spooled() const { return lines_spooled_.load(); }
  std::uint64_t lines_dropped() const { return lines_dropped_.load(); }
  std::uint64_t lines_truncated() const { return lines_truncated_.load(); }
  std::uint64_t events_split() const { return events_split_.load(); }
  std::uint64_t source_gaps() const { return source_gaps_.load(); }
  // Where the sources report failing and recovering (the agent's health).
  source_status& status() { return status_; }
  const source_status& status() const { return status_; }
  std::size_t max_line() const { return max_line_; }

 private:
  spool& spool_;
  rule_engine& rules_;
  const alarm_handler on_alarm_;
  const std::size_t max_line_;
  std::atomic<std::uint64_t> lines_spooled_{0};
  std::atomic<std::uint64_t> lines_dropped_{0};
  std::atomic<std::uint64_t> lines_truncated_{0};
  std::atomic<std::uint64_t> events_split_{0};
  std::atomic<std::uint64_t> source_gaps_{0};
  source_status status_;
};

// Appends `text` to `out` so that a record stays one line and can be read
// back exactly: '\\' is written as `\\`, a newline as `\n`, a carriage
// return as `\r`; every other byte as it is.
void escape_record_text(std::string_view text, std::string& out);
// The reverse of escape_record_text (for readers and tests).
[[nodiscard]] std::string unescape_record_text(std::string_view text);

// Splits `data` at newlines: whole lines are appended to `out` (offset =
// `base` + position); the unterminated rest stays in `partial`, which is
// cut into `max_line` pieces when it grows that long.
void split_lines(std::string_view data, std::uint64_t base, std::string& partial,
                 std::uint64_t& partial_offset, std::size_t max_line,
                 std::vector<source_line>& out);

}  // namespace peranda::agent
