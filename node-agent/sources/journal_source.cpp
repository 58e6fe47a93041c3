// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/journal_source.hpp"

#include <poll.h>

#include <algorithm>

#include "core/log/log.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.journal");
  return l;
}

// Entries read per spool append while catching up.
constexpr std::size_t k_batch_entries = 4096;
// poll() timeout of the thread: how quickly a stop request is seen.
constexpr auto k_wake = std::chrono::milliseconds(200);
// After the spool refused a batch: when to try again.
constexpr auto k_retry = std::chrono::seconds(1);

// Names the journal (sequence) an entry is in, for alarm ids.
std::string origin_of(const std::string& cursor) {
  auto place = parse_cursor(cursor);
  return place ? "journal:" + place->seqnum_id : "journal:" + cursor;
}

}  // namespace

journal_source::journal_source(source_settings settings, line_sink& sink,
                               const position_store& store)
    : settings_(std::move(settings)), sink_(sink), store_(store), assembler_(settings_.multiline) {}

journal_source::~journal_source() { stop(); }

void journal_source::save() {
  if (auto ok = store_.save_journal(settings_.name, pos_); !ok) {
    log()->error("{}: cursor not saved: {}", settings_.name, ok.error().message);
  }
}

result<void> journal_source::start() {
  auto reader = journal_reader::open(settings_, sink_.max_line());
  if (!reader) return failf("journal source '{}': {}", settings_.name, reader.error().message);
  reader_ = std::move(*reader);
  if (settings_.directory.empty() && !reader_->has_files()) {
    // Still watched: journald may start later (or the agent join the group).
    log()->warn(
        "{}: no journal files readable (no systemd journal on this host, or the agent's "
        "user is not in group systemd-journal); waiting for some to appear",
        settings_.name);
  }
  auto saved = store_.load_journal(settings_.name);
  if (!saved) return failf("journal source '{}': {}", settings_.name, saved.error().message);
  if (!*saved) {
    if (!settings_.from_beginning) {
      // After the newest entry there is now: next() returns what comes later.
      reader_->seek_tail();
      auto last = reader_->previous();
      bool cut = false;
      if (last && *last) {
        if (auto e = reader_->entry(cut)) pos_.cursor = e->cursor;
      }
    }
    if (pos_.cursor.empty()) reader_->seek_head();
    if (auto ok = store_.save_journal(settings_.name, pos_); !ok) {
      return failf("journal source '{}': {}", settings_.name, ok.error().message);
    }
    log()->info("{}: following the journal{} from its {}", settings_.name,
                settings_.directory.empty() ? "" : " in '" + settings_.directory.string() + "'",
                pos_.cursor.empty() ? "start" : "end");
  } else {
    pos_ = **saved;
    if (!resume() && pos_.pending) {
      log()->warn(
          "{}: the batch in progress when the agent stopped cannot be checked against "
          "the spool (its entries are gone); some may be spooled twice",
          settings_.name);
      pos_.pending.reset();
    }
    settle_pending();
    log()->info("{}: resuming the journal after {}", settings_.name,
                pos_.cursor.empty() ? "its start" : "cursor " + pos_.cursor);
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  return {};
}

void journal_source::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

bool journal_source::resume() {
  if (pos_.cursor.empty()) {
    reader_->seek_head();
    return true;
  }
  reader_->seek_cursor(pos_.cursor);
  auto moved = reader_->next();
  if (moved && *moved && reader_->is_at(pos_.cursor)) return true;
  auto found = reader_->find_unfiltered(pos_.cursor);
  reader_->seek_cursor(pos_.cursor);
  if (found.present) {
    log()->info("{}: the last entry read no longer matches the filters; continuing after it",
                settings_.name);
    return true;
  }
  sink_.count_gap();
  std::string lost = "an unknown number of entries";
  auto saved = parse_cursor(pos_.cursor);
  auto next = found.first_after ? parse_cursor(*found.first_after) : std::nullopt;
  if (saved && next && saved->seqnum_id == next->seqnum_id && next->seqnum > saved->seqnum) {
    auto n = next->seqnum - saved->seqnum - 1;
    lost = fmt::format("{} entr{}", n, n == 1 ? "y" : "ies");
  }
  log()->warn(
      "{}: the last entry read is no longer in the journal (rotated or vacuumed while "
      "the agent was down): {} after it were lost before they were read (of all units; "
      "this source's are among them); resuming at the oldest entry still there",
      settings_.name, lost);
  return false;
}

std::optional<source_line> journal_source::read_entry(std::string& cursor, std::string& key) {
  for (;;) {
    auto moved = reader_->next();
    if (!moved) {
      if (!read_failed_) log()->error("{}: {}", settings_.name, moved.error().message);
      read_failed_ = true;
      sink_.status().failing(settings_.name, "journal not read: " + moved.error().message);
      return std::nullopt;
    }
    if (read_failed_ && !sink_failed_) sink_.status().ok(settings_.name);
    read_failed_ = false;
    if (!*moved) return std::nullopt;
    bool cut = false;
    auto e = reader_->entry(cut);
    if (!e) {
      // A damaged entry: sd-journal skips those too.
      log()->warn("{}: skipping an unreadable journal entry: {}", settings_.name,
                  e.error().message);
      sink_.count_dropped(1);
      continue;
    }
    if (cut) {
      sink_.count_truncated();
      e->message += " [... cut at max_line_bytes]";
    }
    auto place = parse_cursor(e->cursor);
    cursor = e->cursor;
    key = journal_stream_key(*e);
    return source_line{std::move(e->message), place ? place->seqnum : 0, journal_prefix(*e)};
  }
}

void journal_source::read_available() {
  if (sink_failed_ && std::chrono::steady_clock::now() < retry_at_) return;
  for (;;) {
    std::vector<multiline_event> done;
    std::size_t n = 0;
    auto now = multiline_assembler::clock::now();
    while (n < k_batch_entries) {
      std::string cursor, key;
      auto line = read_entry(cursor, key);
      if (!line) break;
      undelivered_.push_back(std::move(cursor));
      assembler_.feed(std::move(*line), key, now, done);
      ++n;
    }
    if (!done.empty() && !deliver(std::move(done))) return;
    if (n < k_batch_entries) return;
  }
}

void journal_source::expire() {
  std::vector<multiline_event> done;
  assembler_.expire(multiline_assembler::clock::now(), done);
  // Alone in its batch: a restart reading it again splits it the same way.
  if (!done.empty()) deliver(std::move(done));
}

bool journal_source::deliver(std::vector<multiline_event> events) {
  std::uint64_t entries = 0;
  std::vector<source_line> lines;
  for (auto& ev : events) {
    if (ev.split) sink_.count_split(1);
    auto first = entries;
    entries += ev.lines;
    // Rules before the saves and the append below, which wait for the disk.
    if (first >= checked_ahead_) {
      sink_.check_rules(settings_.name, {ev.line}, origin_of(undelivered_[first]));
    }
    lines.push_back(std::move(ev.line));
  }
  checked_ahead_ = std::max(checked_ahead_, entries);
  auto end_cursor = undelivered_[entries - 1];
  pos_.pending = pending_batch{entries, sink_.mark()};
  save();
  auto ok = sink_.spool_lines(settings_.name, lines);
  pos_.pending.reset();
  if (!ok) {
    if (!sink_failed_) {
      log()->error("{}: entries not spooled (will retry): {}", settings_.name, ok.error().message);
    }
    sink_failed_ = true;
    sink_.status().failing(settings_.name, "entries not spooled: " + ok.error().message);
    retry_at_ = std::chrono::steady_clock::now() + k_retry;
    // Back to the last delivered entry, to read it all again later.
    assembler_.reset();
    undelivered_.clear();
    resume();
    return false;
  }
  if (sink_failed_) {
    log()->info("{}: spooling again", settings_.name);
    if (!read_failed_) sink_.status().ok(settings_.name);
  }
  sink_failed_ = false;
  undelivered_.erase(undelivered_.begin(),
                     undelivered_.begin() + static_cast<std::ptrdiff_t>(entries));
  checked_ahead_ -= entries;
  pos_.cursor = end_cursor;
  save();
  return true;
}

void journal_source::settle_pending() {
  if (!pos_.pending) return;
  auto batch = *std::exchange(pos_.pending, std::nullopt);
  auto spooled = sink_.records_since(settings_.name, batch.mark);
  if (!spooled) {
    log()->error("{}: cannot tell how much of the last batch was spooled ({}); reading it again",
                 settings_.name, spooled.error().message);
    return save();
  }
  // The batch again, split into events as it was: its first `spooled` are in.
  multiline_assembler again(settings_.multiline);
  std::vector<multiline_event> events;
  std::vector<std::string> cursors;
  auto now = multiline_assembler::clock::now();
  while (cursors.size() < batch.end) {
    std::string cursor, key;
    auto line = read_entry(cursor, key);
    if (!line) break;
    cursors.push_back(std::move(cursor));
    again.feed(std::move(*line), key, now, events);
  }
  again.flush(events);
  auto k = static_cast<std::size_t>(std::min<std::uint64_t>(*spooled, events.size()));
  std::size_t entries = 0;
  for (std::size_t i = 0; i < k; ++i) {
    // Their alarms may not have been raised; an alarm raised twice has one id.
    sink_.check_rules(settings_.name, {events[i].line}, origin_of(cursors[entries]));
    entries += events[i].lines;
  }
  if (entries > 0) pos_.cursor = cursors[entries - 1];
  log()->info("{}: {} record(s) of the batch in progress when the agent stopped were spooled",
              settings_.name, k);
  save();
  resume();
}

void journal_source::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    read_available();
    expire();
    auto wait = k_wake;
    if (auto deadline = assembler_.deadline()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline -
                                                               multiline_assembler::clock::now());
      wait = std::clamp(left, std::chrono::milliseconds(0), wait);
    }
    wait = reader_->wait_limit(wait);
    pollfd p{reader_->fd(), reader_->events(), 0};
    ::poll(&p, 1, static_cast<int>(wait.count()));
    reader_->process();
  }
}

}  // namespace peranda::agent
