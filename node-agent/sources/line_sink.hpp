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
#include "node-agent/spool/spool.hpp"

namespace peranda::agent {

// A line read from a source, without its newline.
struct source_line {
  std::string text;
  std::uint64_t offset = 0;  // byte offset in the source (file) or run counter (exec)
};

// Where every source delivers its lines: each becomes one spool record
// `<UTC time> <source> <text>` and is checked against the alarm rules.
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

  std::uint64_t lines_spooled() const { return lines_spooled_.load(); }
  std::uint64_t lines_dropped() const { return lines_dropped_.load(); }
  std::size_t max_line() const { return max_line_; }

 private:
  spool& spool_;
  rule_engine& rules_;
  const alarm_handler on_alarm_;
  const std::size_t max_line_;
  std::atomic<std::uint64_t> lines_spooled_{0};
  std::atomic<std::uint64_t> lines_dropped_{0};
};

// Splits `data` at newlines: whole lines are appended to `out` (offset =
// `base` + position); the unterminated rest stays in `partial`, which is
// cut into `max_line` pieces when it grows that long.
void split_lines(std::string_view data, std::uint64_t base, std::string& partial,
                 std::uint64_t& partial_offset, std::size_t max_line,
                 std::vector<source_line>& out);

}  // namespace peranda::agent
