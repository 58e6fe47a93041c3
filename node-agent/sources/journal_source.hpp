// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "node-agent/sources/file_position.hpp"
#include "node-agent/sources/journal_reader.hpp"
#include "node-agent/sources/line_sink.hpp"
#include "node-agent/sources/multiline.hpp"
#include "node-agent/sources/source_config.hpp"

namespace peranda::agent {

// Follows the systemd journal (or a folder of journal files) on its own
// thread: each matching entry — or multi-line event of entries — becomes
// one spool record carrying priority, unit, identifier and PID before the
// message; the rules see the message. New entries are noticed at once
// through sd-journal's inotify descriptor.
//
// Exactly once, as file sources: the cursor of the last delivered entry is
// saved durably after each spool append; before it, the batch's size in
// entries and the spool's end are saved, so a restart after a kill -9
// counts what of the batch reached the spool and resumes right after it.
// The cursor never passes the first entry of an unfinished multi-line
// event. An event ended by multiline_timeout is spooled alone, so a batch
// read again splits into the same events. When the saved entry is gone
// (the journal was rotated or vacuumed while the agent was down) reading
// resumes at the oldest entry after it, and the log says how many entries
// were lost (or that some were, when the journal cannot tell); counted as
// a gap. The very first start begins at the journal's end unless
// `from_beginning`.
// start()/stop() from one thread; the rest runs on the source's thread.
class journal_source {
 public:
  journal_source(source_settings settings, line_sink& sink, const position_store& store);
  ~journal_source();
  journal_source(const journal_source&) = delete;
  journal_source& operator=(const journal_source&) = delete;

  // Opens the journal, restores the position and starts the thread.
  [[nodiscard]] result<void> start();
  void stop();

 private:
  void run(std::stop_token stop);
  // Reads what is new and delivers the events it finished.
  void read_available();
  // Ends an event nothing was added to for multiline_timeout.
  void expire();
  // Spools finished `events` (their entries are the oldest of
  // undelivered_), with the batch saved as pending around the append.
  bool deliver(std::vector<multiline_event> events);
  // Positions the reader after pos_.cursor; false (and a gap reported)
  // when its entry is gone.
  bool resume();
  // After a restart: resolves a batch left pending by a crash.
  void settle_pending();
  // Reads the next entry as a line; nullopt at the end. `cursor`: its cursor.
  std::optional<source_line> read_entry(std::string& cursor, std::string& key);
  void save();

  // Constant after construction
  const source_settings settings_;
  line_sink& sink_;
  const position_store& store_;

  std::unique_ptr<journal_reader> reader_;
  multiline_assembler assembler_;
  journal_position pos_;
  // Cursors of the entries read after pos_.cursor and not yet spooled (in
  // the assembler's open event or in a batch that failed).
  std::deque<std::string> undelivered_;
  // Entries after pos_.cursor whose events were checked against the rules
  // in this run (not again when a batch is read again after a spool error).
  std::uint64_t checked_ahead_ = 0;
  bool sink_failed_ = false;
  std::chrono::steady_clock::time_point retry_at_{};
  bool read_failed_ = false;  // log a failing journal once
  std::jthread thread_;
};

}  // namespace peranda::agent
