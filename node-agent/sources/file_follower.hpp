// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/fs/unique_fd.hpp"
#include "node-agent/sources/file_position.hpp"
#include "node-agent/sources/line_sink.hpp"
#include "node-agent/sources/multiline.hpp"
#include "node-agent/sources/source_config.hpp"

namespace peranda::agent {

// Follows one log file like `tail -F`: across rename rotation, copytruncate
// and truncation, delivering each whole line once. The file is known by
// (device, inode) plus a fingerprint of its first bytes; the position after
// the last delivered line is persisted, so a restart neither loses nor
// repeats lines: before a batch goes to the spool its end and the spool's
// end are saved too, so a restart after a crash between spooling and saving
// the position counts what of the batch reached the spool and resumes after
// it (a kill -9 can cut a large append short). When the followed file was rotated away (now
// `path.1` or `path.0`, found by identity or, for a copy, by fingerprint),
// its rest is read before the new file. A partial last line waits for its
// newline, except at the end of a rotated-away file. The very first start
// begins at the end of the file unless `from_beginning`; a file that
// appears later is read from its start.
// With multi-line events, lines are joined by a multiline_assembler and the
// position saved never passes the first line of an unfinished event (it is
// read again after a restart); an event ended by multiline_timeout is
// spooled in a batch of its own, so a batch read again after a crash splits
// into the same events.
// Not thread-safe: one thread (the file watcher) drives it.
class file_follower {
 public:
  file_follower(source_settings settings, line_sink& sink, const position_store& store);
  ~file_follower();
  file_follower(const file_follower&) = delete;
  file_follower& operator=(const file_follower&) = delete;

  // Opens the file (if it exists) where the saved position says.
  [[nodiscard]] result<void> start();
  // Reads what is new; follows a rotation or truncation. Problems are logged
  // and retried at the next poll.
  void poll();
  // Ends a multi-line event nothing was added to for multiline_timeout.
  void expire(multiline_assembler::clock::time_point now);

  const source_settings& settings() const { return settings_; }

 private:
  // Reads `fd` from read_at_ to its end, delivering whole lines (events)
  // and saving the position. false: the sink refused (retry later from the
  // position).
  bool read_to_end(int fd);
  // Spools finished `events` and saves the position after them; on a
  // refusal goes back to the saved position. false: refused.
  bool deliver(std::vector<multiline_event>& events);
  // Where the undelivered part starts: the open event's first line, or the
  // partial line.
  std::uint64_t unfinished_from() const;
  // Delivers the pending partial line and open event (the end of a file
  // that will not grow).
  void flush_partial();
  // Spools `events`, which end at source offset `end`, with the batch saved
  // as pending around the append (see the class comment).
  [[nodiscard]] result<void> spool_batch(std::vector<multiline_event> events, std::uint64_t end);
  // After a restart at pos_: resolves a batch left pending by a crash.
  void settle_pending(int fd);
  // Opens `path`; fills dev/ino; owns nothing if absent.
  unique_fd open_file(const std::filesystem::path& path, file_position& ident) const;
  // Reads the rest of the file `old` described, if found under a rotated name.
  void drain_rotated(const file_position& old);
  // Switches to the file now at the path (from offset 0).
  void switch_to_current();
  // The content under fd_ was truncated or replaced: offset 0.
  void restart_current();
  // Starts on a file not seen before (`ident`: dev and ino) at `offset`,
  // with a new generation, and saves the position.
  void adopt(const file_position& ident, std::uint64_t offset);
  // Names the current file for alarm ids: dev, ino and generation.
  std::string origin() const;
  void refresh_fingerprint();
  void save();

  // Constant after construction
  const source_settings settings_;
  line_sink& sink_;
  const position_store& store_;

  unique_fd fd_;
  file_position pos_;
  std::uint64_t read_at_ = 0;  // pos_.offset + the open event + partial_.size()
  std::string partial_;
  std::uint64_t partial_offset_ = 0;
  multiline_assembler assembler_;
  bool sink_failed_ = false;  // log a failing sink once, not per poll
  // Lines of file `checked_origin_` below this offset were checked against
  // the rules in this run (the spool may have refused them since).
  std::string checked_origin_;
  std::uint64_t checked_below_ = 0;
};

}  // namespace peranda::agent
