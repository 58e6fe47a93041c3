// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "node-agent/sources/journal_record.hpp"
#include "node-agent/sources/source_config.hpp"

struct sd_journal;

namespace peranda::agent {

// One source's view of the systemd journal through sd-journal: the local
// system journal or a folder of journal files, filtered by the source's
// units, identifiers and priority (as `journalctl -u` does, a unit also
// matches systemd's own messages about it). Only the calling thread may use
// it (sd-journal is not thread-safe). Owns the sd_journal handle.
class journal_reader {
 public:
  // Opens the journal and sets the filters. `max_message`: longer messages
  // are cut (entry() says so).
  [[nodiscard]] static result<std::unique_ptr<journal_reader>> open(const source_settings& s,
                                                                    std::size_t max_message);
  ~journal_reader();
  journal_reader(const journal_reader&) = delete;
  journal_reader& operator=(const journal_reader&) = delete;

  // Whether any journal file could be opened (none: no journal on this
  // host, or no permission to read it).
  bool has_files() const;

  void seek_head();
  void seek_tail();
  // Before the entry of `cursor` (or where it was): next() returns it, or
  // the first entry after it if it is gone or filtered out.
  void seek_cursor(const std::string& cursor);
  // Moves to the next (previous) matching entry; false at the end.
  [[nodiscard]] result<bool> next();
  [[nodiscard]] result<bool> previous();
  // Is the current entry the one `cursor` names?
  bool is_at(const std::string& cursor) const;
  // The current entry. `cut`: its message was longer than max_message.
  [[nodiscard]] result<journal_entry> entry(bool& cut) const;

  // Ignoring the filters: is the entry of `cursor` still in the journal,
  // and if not, the cursor of the first entry after where it was (none if
  // the journal holds nothing newer). Moves the read position (seek after).
  struct cursor_state {
    bool present = false;
    std::optional<std::string> first_after;
  };
  cursor_state find_unfiltered(const std::string& cursor);

  // For poll(2): the inotify descriptor, its events, and how long to wait
  // at most (sd_journal_get_timeout).
  int fd() const { return fd_; }
  short events() const;
  std::chrono::milliseconds wait_limit(std::chrono::milliseconds cap) const;
  // After a wake-up: lets sd-journal see new and removed files.
  void process();

 private:
  journal_reader(sd_journal* j, const source_settings& s, std::size_t max_message);
  [[nodiscard]] result<void> add_matches();

  // Constant after construction
  sd_journal* const j_;
  const std::vector<std::string> units_;
  const std::vector<std::string> identifiers_;
  const int max_priority_;
  const std::size_t max_message_;
  int fd_ = -1;
};

}  // namespace peranda::agent
