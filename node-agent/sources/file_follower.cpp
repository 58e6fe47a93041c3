// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/file_follower.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.file");
  return l;
}

constexpr std::size_t k_read_block = 64 * 1024;
// Deliver at most this many lines per spool append while catching up.
constexpr std::size_t k_batch_lines = 4096;
// Where logrotate & co. put the previous file.
constexpr const char* k_rotated_suffixes[] = {".1", ".0"};

std::uint64_t size_of(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

}  // namespace

file_follower::file_follower(source_settings settings, line_sink& sink, const position_store& store)
    : settings_(std::move(settings)), sink_(sink), store_(store), assembler_(settings_.multiline) {}

file_follower::~file_follower() = default;

unique_fd file_follower::open_file(const std::filesystem::path& path,
                                   file_position& ident) const {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno != ENOENT)
      log()->warn("{}: cannot open '{}': {}", settings_.name, path.string(), std::strerror(errno));
    return fd;
  }
  struct stat st {};
  ::fstat(fd.get(), &st);
  ident.dev = static_cast<std::uint64_t>(st.st_dev);
  ident.ino = static_cast<std::uint64_t>(st.st_ino);
  return fd;
}

void file_follower::refresh_fingerprint() {
  auto want = std::min(size_of(fd_.get()), file_position::k_fingerprint_bytes);
  if (want <= pos_.fingerprint_len) return;
  if (auto fp = fingerprint_of(fd_.get(), want)) {
    pos_.fingerprint_len = want;
    pos_.fingerprint = *fp;
  }
}

void file_follower::save() {
  if (auto ok = store_.save(settings_.name, pos_); !ok) {
    log()->error("{}: position not saved: {}", settings_.name, ok.error().message);
  }
}

result<void> file_follower::start() {
  auto saved = store_.load(settings_.name);
  if (!saved) return std::unexpected(saved.error());
  file_position ident;
  fd_ = open_file(settings_.path, ident);
  if (!*saved) {
    if (!fd_) return {};  // read from its start once it appears
    adopt(ident, settings_.from_beginning ? 0 : size_of(fd_.get()));
    log()->info("{}: following '{}' from {}", settings_.name, settings_.path.string(),
                settings_.from_beginning ? "its start" : "its end");
    return {};
  }
  const auto& old = **saved;
  bool same_file =
      fd_ && ident.dev == old.dev && ident.ino == old.ino && fingerprint_matches(fd_.get(), old);
  if (same_file) {
    pos_ = old;
    read_at_ = old.offset;
    log()->info("{}: resuming '{}' at offset {}", settings_.name, settings_.path.string(),
                old.offset);
    settle_pending(fd_.get());
    return {};
  }
  // The file changed while we were down: finish the old one first.
  drain_rotated(old);
  if (fd_) adopt(ident, 0);
  return {};
}

void file_follower::drain_rotated(const file_position& old) {
  for (const char* suffix : k_rotated_suffixes) {
    auto candidate = settings_.path;
    candidate += suffix;
    file_position ident;
    unique_fd fd = open_file(candidate, ident);
    if (!fd) continue;
    bool moved = ident.dev == old.dev && ident.ino == old.ino;
    // A copy (copytruncate) is only recognisable by its first bytes.
    bool usable = moved ? fingerprint_matches(fd.get(), old)
                        : old.fingerprint_len > 0 && fingerprint_matches(fd.get(), old) &&
                              size_of(fd.get()) >= old.offset;
    if (usable) {
      log()->info("{}: reading the rest of rotated '{}' from offset {}", settings_.name,
                  candidate.string(), old.offset);
      pos_ = old;
      read_at_ = std::max(read_at_, old.offset);
      settle_pending(fd.get());
      read_to_end(fd.get());
      flush_partial();
      return;
    }
  }
  flush_partial();
  log()->info(
      "{}: previous file (offset {}) not found under a rotated name; continuing with "
      "the current file",
      settings_.name, old.offset);
}

std::uint64_t file_follower::unfinished_from() const {
  return assembler_.open_offset().value_or(read_at_ - partial_.size());
}

bool file_follower::deliver(std::vector<multiline_event>& events) {
  if (events.empty()) return true;
  auto end = unfinished_from();
  if (auto ok = spool_batch(std::move(events), end); !ok) {
    if (!sink_failed_)
      log()->error("{}: lines not spooled (will retry): {}", settings_.name, ok.error().message);
    sink_failed_ = true;
    sink_.status().failing(settings_.name, "lines not spooled: " + ok.error().message);
    events.clear();
    // Go back to the last delivered line and read it all again later.
    read_at_ = pos_.offset;
    partial_.clear();
    assembler_.reset();
    return false;
  }
  if (sink_failed_) sink_.status().ok(settings_.name);
  sink_failed_ = false;
  events.clear();
  pos_.offset = end;
  save();
  return true;
}

bool file_follower::read_to_end(int fd) {
  std::vector<source_line> lines;
  std::vector<multiline_event> events;
  std::string block(k_read_block, '\0');
  for (;;) {
    auto n = ::pread(fd, block.data(), block.size(), static_cast<off_t>(read_at_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    split_lines(std::string_view(block.data(), static_cast<std::size_t>(n)), read_at_, partial_,
                partial_offset_, sink_.max_line(), lines);
    read_at_ += static_cast<std::uint64_t>(n);
    auto now = multiline_assembler::clock::now();
    for (auto& l : lines) assembler_.feed(std::move(l), {}, now, events);
    lines.clear();
    if (events.size() >= k_batch_lines && !deliver(events)) return false;
  }
  if (!deliver(events)) return false;
  if (unfinished_from() != pos_.offset) {
    pos_.offset = unfinished_from();
    save();
  }
  return true;
}

void file_follower::expire(multiline_assembler::clock::time_point now) {
  std::vector<multiline_event> events;
  assembler_.expire(now, events);
  // Alone in its batch: a restart reading it again splits it the same way.
  deliver(events);
}

void file_follower::flush_partial() {
  std::vector<multiline_event> events;
  if (!partial_.empty()) {
    assembler_.feed({std::move(partial_), partial_offset_}, {}, multiline_assembler::clock::now(),
                    events);
    partial_.clear();
  }
  assembler_.flush(events);
  if (events.empty()) return;
  auto end = read_at_;
  auto n = events.size();
  if (auto ok = spool_batch(std::move(events), end); !ok) {
    log()->error("{}: last line(s) of a rotated file lost: {}", settings_.name, ok.error().message);
    sink_.count_dropped(n);
    return;
  }
  pos_.offset = end;
}

result<void> file_follower::spool_batch(std::vector<multiline_event> events, std::uint64_t end) {
  std::vector<source_line> lines;
  lines.reserve(events.size());
  for (auto& ev : events) {
    if (ev.split) sink_.count_split(1);
    lines.push_back(std::move(ev.line));
  }
  // Rules before the saves and the append below, which wait for the disk;
  // lines delivered again after a spool error were checked already.
  auto file = origin();
  auto from = file == checked_origin_ ? checked_below_ : 0;
  auto first = std::ranges::find_if(lines, [&](const source_line& l) { return l.offset >= from; });
  sink_.check_rules(settings_.name, std::vector<source_line>(first, lines.end()), file);
  checked_origin_ = std::move(file);
  checked_below_ = std::max(from, end);
  pos_.pending = pending_batch{end, sink_.mark()};
  save();
  auto ok = sink_.spool_lines(settings_.name, lines);
  pos_.pending.reset();
  return ok;
}

void file_follower::settle_pending(int fd) {
  if (!pos_.pending) return;
  auto batch = *std::exchange(pos_.pending, std::nullopt);
  auto spooled = sink_.records_since(settings_.name, batch.mark);
  if (!spooled) {
    log()->error("{}: cannot tell how much of the last batch was spooled ({}); reading it again",
                 settings_.name, spooled.error().message);
    return save();
  }
  // The batch again, split into lines and events as it was: its first
  // `spooled` events are in.
  std::vector<source_line> lines;
  std::string partial;
  std::uint64_t partial_offset = 0;
  std::string block(k_read_block, '\0');
  for (auto at = pos_.offset; *spooled > 0 && at < batch.end;) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), batch.end - at));
    auto n = ::pread(fd, block.data(), want, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    split_lines(std::string_view(block.data(), static_cast<std::size_t>(n)), at, partial,
                partial_offset, sink_.max_line(), lines);
    at += static_cast<std::uint64_t>(n);
  }
  // A batch can end without a newline (a rotated file's last line).
  if (!partial.empty()) lines.push_back({std::move(partial), partial_offset});
  multiline_assembler again(settings_.multiline);
  std::vector<multiline_event> events;
  auto now = multiline_assembler::clock::now();
  for (auto& l : lines) again.feed(std::move(l), {}, now, events);
  again.flush(events);
  auto k = static_cast<std::size_t>(std::min<std::uint64_t>(*spooled, events.size()));
  auto resume = k == 0 ? pos_.offset : k < events.size() ? events[k].line.offset : batch.end;
  lines.clear();
  for (std::size_t i = 0; i < k; ++i) lines.push_back(std::move(events[i].line));
  // Their alarms may not have been raised; an alarm raised twice has one id.
  sink_.check_rules(settings_.name, lines, origin());
  log()->info("{}: {} line(s) of the batch in progress when the agent stopped were spooled; "
              "resuming at offset {}",
              settings_.name, k, resume);
  pos_.offset = resume;
  read_at_ = resume;
  save();
}

void file_follower::adopt(const file_position& ident, std::uint64_t offset) {
  auto previous = pos_.generation;
  pos_ = ident;
  pos_.offset = offset;
  pos_.generation = std::max(wall_clock_ms(), previous + 1);
  read_at_ = offset;
  partial_.clear();
  assembler_.reset();
  refresh_fingerprint();
  save();
}

std::string file_follower::origin() const {
  return fmt::format("{}:{}:{}", pos_.dev, pos_.ino, pos_.generation);
}

void file_follower::restart_current() {
  log()->info("{}: '{}' was truncated or replaced; reading it from its start", settings_.name,
              settings_.path.string());
  // A copytruncate left the old content in a copy: read what we missed there.
  auto old = pos_;
  drain_rotated(old);
  file_position same_inode;  // new content, so new fingerprint and generation
  same_inode.dev = old.dev;
  same_inode.ino = old.ino;
  adopt(same_inode, 0);
}

void file_follower::switch_to_current() {
  file_position ident;
  unique_fd fd = open_file(settings_.path, ident);
  if (!fd) return;
  if (fd_) {
    read_to_end(fd_.get());  // what was written to the old file until now
    flush_partial();
    log()->info("{}: '{}' was rotated; following the new file", settings_.name,
                settings_.path.string());
  }
  fd_ = std::move(fd);
  adopt(ident, 0);
}

void file_follower::poll() {
  if (!fd_) {
    switch_to_current();
    if (!fd_) return;
  }
  auto size = size_of(fd_.get());
  bool truncated = size < read_at_;
  bool replaced = !truncated && !fingerprint_matches(fd_.get(), pos_);
  if (truncated || replaced) restart_current();
  if (!read_to_end(fd_.get())) return;
  refresh_fingerprint();
  struct stat st {};
  if (::stat(settings_.path.c_str(), &st) == 0 &&
      (static_cast<std::uint64_t>(st.st_dev) != pos_.dev ||
       static_cast<std::uint64_t>(st.st_ino) != pos_.ino)) {
    switch_to_current();
    read_to_end(fd_.get());
    refresh_fingerprint();
  }
}

}  // namespace peranda::agent
