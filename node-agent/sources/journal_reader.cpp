// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/journal_reader.hpp"

#include <poll.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace peranda::agent {
namespace {

std::string field(sd_journal* j, const char* name) {
  const void* data = nullptr;
  std::size_t len = 0;
  if (sd_journal_get_data(j, name, &data, &len) < 0) return {};
  std::string_view text(static_cast<const char*>(data), len);
  auto eq = text.find('=');
  return eq == std::string_view::npos ? std::string() : std::string(text.substr(eq + 1));
}

}  // namespace

result<std::unique_ptr<journal_reader>> journal_reader::open(const source_settings& s,
                                                             std::size_t max_message) {
  sd_journal* j = nullptr;
  int r = s.directory.empty() ? sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY)
                              : sd_journal_open_directory(&j, s.directory.c_str(), 0);
  if (r < 0) {
    return failf("cannot open the journal{}: {}",
                 s.directory.empty() ? std::string() : " in '" + s.directory.string() + "'",
                 std::strerror(-r));
  }
  std::unique_ptr<journal_reader> reader(new journal_reader(j, s, max_message));
  // The descriptor first: sd-journal starts watching for new files with it.
  reader->fd_ = sd_journal_get_fd(j);
  if (reader->fd_ < 0) return failf("cannot watch the journal: {}", std::strerror(-reader->fd_));
  // "MESSAGE=" and one byte more than we keep, to see that it was longer.
  sd_journal_set_data_threshold(j, max_message + 9);
  if (auto ok = reader->add_matches(); !ok) return std::unexpected(ok.error());
  return reader;
}

journal_reader::journal_reader(sd_journal* j, const source_settings& s, std::size_t max_message)
    : j_(j),
      units_(s.units),
      identifiers_(s.identifiers),
      max_priority_(s.max_priority),
      max_message_(max_message) {}

journal_reader::~journal_reader() { sd_journal_close(j_); }

result<void> journal_reader::add_matches() {
  auto add = [&](const std::string& m) -> result<void> {
    int r = sd_journal_add_match(j_, m.data(), m.size());
    if (r < 0) return failf("journal filter '{}': {}", m, std::strerror(-r));
    return {};
  };
  // The common part of both terms: identifiers and priorities (sd-journal
  // ORs values of one field and ANDs different fields within a term).
  auto common = [&]() -> result<void> {
    for (const auto& id : identifiers_) {
      if (auto ok = add("SYSLOG_IDENTIFIER=" + id); !ok) return ok;
    }
    if (max_priority_ < 7) {
      for (int p = 0; p <= max_priority_; ++p) {
        if (auto ok = add("PRIORITY=" + std::to_string(p)); !ok) return ok;
      }
    }
    return {};
  };
  if (units_.empty()) return common();
  // The unit's own processes, or systemd (PID 1) about the unit.
  for (const auto& u : units_) {
    if (auto ok = add("_SYSTEMD_UNIT=" + u); !ok) return ok;
  }
  if (auto ok = common(); !ok) return ok;
  if (int r = sd_journal_add_disjunction(j_); r < 0) {
    return failf("journal filter: {}", std::strerror(-r));
  }
  for (const auto& u : units_) {
    if (auto ok = add("UNIT=" + u); !ok) return ok;
  }
  if (auto ok = add("_PID=1"); !ok) return ok;
  return common();
}

bool journal_reader::has_files() const {
  return sd_journal_has_runtime_files(j_) > 0 || sd_journal_has_persistent_files(j_) > 0;
}

void journal_reader::seek_head() { sd_journal_seek_head(j_); }
void journal_reader::seek_tail() { sd_journal_seek_tail(j_); }
void journal_reader::seek_cursor(const std::string& cursor) {
  sd_journal_seek_cursor(j_, cursor.c_str());
}

result<bool> journal_reader::next() {
  int r = sd_journal_next(j_);
  if (r < 0) return failf("reading the journal: {}", std::strerror(-r));
  return r > 0;
}

result<bool> journal_reader::previous() {
  int r = sd_journal_previous(j_);
  if (r < 0) return failf("reading the journal: {}", std::strerror(-r));
  return r > 0;
}

bool journal_reader::is_at(const std::string& cursor) const {
  return sd_journal_test_cursor(j_, cursor.c_str()) > 0;
}

result<journal_entry> journal_reader::entry(bool& cut) const {
  journal_entry e;
  char* cursor = nullptr;
  int r = sd_journal_get_cursor(j_, &cursor);
  if (r < 0) return failf("journal entry without a cursor: {}", std::strerror(-r));
  e.cursor = cursor;
  std::free(cursor);
  e.message = field(j_, "MESSAGE");
  cut = e.message.size() > max_message_;
  if (cut) e.message.resize(max_message_);
  e.unit = field(j_, "_SYSTEMD_UNIT");
  if (e.unit.empty()) e.unit = field(j_, "UNIT");
  e.identifier = field(j_, "SYSLOG_IDENTIFIER");
  e.pid = field(j_, "_PID");
  auto priority = field(j_, "PRIORITY");
  if (priority.size() == 1 && priority[0] >= '0' && priority[0] <= '7')
    e.priority = priority[0] - '0';
  std::uint64_t usec = 0;
  if (sd_journal_get_realtime_usec(j_, &usec) >= 0) e.realtime_us = usec;
  return e;
}

journal_reader::cursor_state journal_reader::find_unfiltered(const std::string& cursor) {
  cursor_state p;
  sd_journal_flush_matches(j_);
  sd_journal_seek_cursor(j_, cursor.c_str());
  if (sd_journal_next(j_) > 0) {
    p.present = is_at(cursor);
    char* next = nullptr;
    if (!p.present && sd_journal_get_cursor(j_, &next) >= 0) {
      p.first_after = next;
      std::free(next);
    }
  }
  // The filters were accepted once; they are accepted again.
  (void)add_matches();
  return p;
}

short journal_reader::events() const {
  int e = sd_journal_get_events(j_);
  return static_cast<short>(e > 0 ? e : POLLIN);
}

std::chrono::milliseconds journal_reader::wait_limit(std::chrono::milliseconds cap) const {
  std::uint64_t until = 0;
  if (sd_journal_get_timeout(j_, &until) < 0 || until == UINT64_MAX) return cap;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  auto now_us = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
                static_cast<std::uint64_t>(now.tv_nsec) / 1000;
  if (until <= now_us) return std::chrono::milliseconds(0);
  return std::min(cap, std::chrono::milliseconds((until - now_us + 999) / 1000));
}

void journal_reader::process() { sd_journal_process(j_); }

}  // namespace peranda::agent
