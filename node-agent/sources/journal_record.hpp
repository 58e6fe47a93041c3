// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::agent {

// A syslog priority for `priority = ...`: a name (`emerg`, `alert`, `crit`,
// `err`, `warning`, `notice`, `info`, `debug`, also `emergency`,
// `critical`, `error`, `warn`) or its number 0-7.
[[nodiscard]] result<int> parse_priority(std::string_view text);
// The journalctl name of priority 0-7; "-" for anything else.
std::string_view priority_name(int priority);

// The fields of a journal entry a record carries.
struct journal_entry {
  std::string message;
  std::string unit;        // _SYSTEMD_UNIT
  std::string identifier;  // SYSLOG_IDENTIFIER
  std::string pid;         // _PID
  std::optional<int> priority;
  std::uint64_t realtime_us = 0;  // when the journal received it
  std::string cursor;
};

// What a record puts before the message:
// `priority=warning unit=nginx.service identifier=nginx pid=812
// time=2026-12-04T09:05:44.349Z message=` — a missing field is `-`, and
// whitespace inside a value becomes '_', so the fields split at spaces and
// the message is everything after `message=`.
std::string journal_prefix(const journal_entry& e);

// Entries of one process belong to one multi-line event, never to another's.
std::string journal_stream_key(const journal_entry& e);

// Where a cursor points: the journal's sequence-number id (`s=`) and the
// entry's sequence number (`i=`, hex in the cursor). Names an entry for
// alarm ids (with the id as origin and the number as offset) and measures
// a gap within one sequence. nullopt for a cursor without them.
struct cursor_place {
  std::string seqnum_id;
  std::uint64_t seqnum = 0;
};
[[nodiscard]] std::optional<cursor_place> parse_cursor(std::string_view cursor);

}  // namespace peranda::agent
