// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "node-agent/sources/line_sink.hpp"

namespace re2 {
class RE2;
}

namespace peranda::agent {

// How a source joins lines into multi-line events (a stack trace). Either a
// `start` pattern (a matching line starts an event, others continue it) or
// a preset's `continuation` pattern (a matching line continues the event,
// others start one). Neither: every line is an event of its own.
struct multiline_settings {
  std::string start;         // RE2
  std::string continuation;  // RE2 (presets)
  std::uint64_t max_lines = 1000;
  std::uint64_t max_bytes = 64 * 1024;
  std::chrono::milliseconds timeout{std::chrono::seconds(1)};

  bool enabled() const { return !start.empty() || !continuation.empty(); }
  bool operator==(const multiline_settings&) const = default;
};

// The continuation pattern of a preset (`java`, `python`, `go`); nullopt
// for an unknown name.
[[nodiscard]] std::optional<std::string> multiline_preset(std::string_view name);

// A finished event: its lines joined with '\n'; `offset`, `prefix` and
// `key` are those of its first line.
struct multiline_event {
  source_line line;
  std::uint64_t lines = 0;  // how many source lines it took
  bool split = false;       // ended by max_lines / max_bytes, not by the next start
};

// Joins lines into events. Sans-I/O: time comes in as arguments, so it is
// tested without sleeps. An event ends when a line starts the next one, when
// a line with another `key` arrives (journal: another process), when it
// holds max_lines lines or the next line would pass max_bytes, or when
// nothing arrived for `timeout` (expire()). Not thread-safe.
class multiline_assembler {
 public:
  using clock = std::chrono::steady_clock;

  // REQUIRES: the patterns compile (validated with the config).
  explicit multiline_assembler(multiline_settings settings);
  ~multiline_assembler();
  multiline_assembler(const multiline_assembler&) = delete;
  multiline_assembler& operator=(const multiline_assembler&) = delete;

  // Adds one line; appends the events it finished to `out`.
  void feed(source_line line, std::string_view key, clock::time_point now,
            std::vector<multiline_event>& out);
  // Ends the open event if nothing arrived for the timeout.
  void expire(clock::time_point now, std::vector<multiline_event>& out);
  // Ends the open event (the source will not grow: end of a run or file).
  void flush(std::vector<multiline_event>& out);
  // Forgets the open event (its lines will be read again).
  void reset();

  // When expire() would end the open event; nullopt when none is open.
  std::optional<clock::time_point> deadline() const;
  // Offset of the open event's first line.
  std::optional<std::uint64_t> open_offset() const;

 private:
  bool starts_event(std::string_view text) const;
  void close(std::vector<multiline_event>& out, bool split);

  // Constant after construction
  const multiline_settings settings_;
  std::unique_ptr<re2::RE2> start_;
  std::unique_ptr<re2::RE2> continuation_;

  std::optional<multiline_event> open_;
  std::string open_key_;
  clock::time_point last_arrival_{};
};

// Checks a pattern for multiline_start; the RE2 error otherwise.
[[nodiscard]] result<void> check_multiline_pattern(const std::string& pattern);

}  // namespace peranda::agent
