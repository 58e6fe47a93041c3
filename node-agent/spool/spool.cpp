// SPDX-License-Identifier: Apache-2.0
#include "node-agent/spool/spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/compress/log_reader.hpp"
#include "core/fs/durable_file.hpp"
#include "core/log/log.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.spool");
  return l;
}

constexpr std::string_view k_active_name = "active.log";
constexpr std::string_view k_closed_prefix = "spool-";
constexpr std::string_view k_closed_suffix = ".log";
constexpr std::string_view k_part_name = "active.log.zst.part";
constexpr std::string_view k_committed_name = "active.log.zst";
constexpr std::size_t k_rebuild_piece = 1 << 20;

std::uint64_t to_ms(std::chrono::system_clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

bool is_closed_name(std::string_view name) {
  if (name.ends_with(k_zstd_suffix)) name.remove_suffix(k_zstd_suffix.size());
  return name.starts_with(k_closed_prefix) && name.ends_with(k_closed_suffix);
}

// Length of `fd`'s content up to and including its last '\n' (0 if none):
// a crash mid-write can leave a partial record after it.
result<std::uint64_t> whole_records_length(int fd, std::uint64_t size) {
  char block[4096];
  std::uint64_t end = size;
  while (end > 0) {
    std::uint64_t start = end > sizeof block ? end - sizeof block : 0;
    auto want = static_cast<std::size_t>(end - start);
    auto got = ::pread(fd, block, want, static_cast<off_t>(start));
    if (got != static_cast<ssize_t>(want)) return failf("read: {}", std::strerror(errno));
    for (std::size_t i = want; i > 0; --i) {
      if (block[i - 1] == '\n') return start + i;
    }
    end = start;
  }
  return 0;
}

// Records `<stamp> <source> <text>` of `source` in `text`.
std::uint64_t count_records_of(std::string_view text, std::string_view source) {
  std::uint64_t n = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;  // a torn record is not a record
    auto line = text.substr(pos, nl - pos);
    auto space = line.find(' ');
    if (space != std::string_view::npos && line.substr(space + 1).starts_with(source) &&
        line.substr(space + 1 + source.size()).starts_with(' '))
      ++n;
    pos = nl + 1;
  }
  return n;
}

}  // namespace

spool::spool(spool_settings settings)
    : settings_(std::move(settings)),
      active_path_(settings_.dir / k_active_name),
      part_path_(settings_.dir / k_part_name),
      committed_path_(settings_.dir / k_committed_name) {
  if (settings_.compression == encoding::zstd) zstd_.emplace(settings_.compression_level);
}

spool::~spool() = default;

result<std::unique_ptr<spool>> spool::open(spool_settings settings) {
  if (auto ok = ensure_directory(settings.dir); !ok) return std::unexpected(ok.error());
  std::unique_ptr<spool> s(new spool(std::move(settings)));
  lock_guard lock(s->mu_);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(s->settings_.dir, ec)) {
    auto name = entry.path().filename().string();
    if (!entry.is_regular_file() || !is_closed_name(name)) continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0) continue;
    s->closed_.push_back({name,
                          static_cast<std::uint64_t>(st.st_size),
                          static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000 +
                              static_cast<std::uint64_t>(st.st_mtim.tv_nsec) / 1000000,
                          {},
                          0,
                          {}});
  }
  if (ec)
    return failf("cannot list spool directory '{}': {}", s->settings_.dir.string(), ec.message());
  std::ranges::sort(s->closed_, {}, &spool_file::name);
  if (!s->closed_.empty()) {
    // New names sort after the newest existing one, even if the clock went
    // back or within the same millisecond: a name is never reused.
    const auto& newest = s->closed_.back().name;
    char* end = nullptr;
    s->last_name_ms_ = std::strtoull(newest.c_str() + k_closed_prefix.size(), &end, 10);
    if (*end == '-') s->name_counter_ = std::strtoull(end + 1, nullptr, 10) + 1;
  }
  if (std::filesystem::exists(s->committed_path_)) {
    // A crash after the compressed copy was committed: it is the file, the
    // plain one (if still here) a duplicate.
    std::error_code rm;
    std::filesystem::remove(s->active_path_, rm);
    if (rm) return failf("cannot delete '{}': {}", s->active_path_.string(), rm.message());
    auto name = s->next_closed_name(encoding::zstd);
    if (auto ok = rename_durable(s->committed_path_, s->settings_.dir / name); !ok)
      return std::unexpected(ok.error());
    std::error_code sz;
    auto size = std::filesystem::file_size(s->settings_.dir / name, sz);
    s->closed_.push_back({name, sz ? 0 : size, to_ms(std::chrono::system_clock::now()), {}, 0, {}});
    log()->warn("closed '{}' as {}, committed before a crash", k_committed_name, name);
  }
  // Without an active file a part is a left-over; with one it is rebuilt in
  // place, keeping its inode: a source's saved spool_mark names it.
  if (!std::filesystem::exists(s->active_path_)) {
    if (std::error_code rm; std::filesystem::remove(s->part_path_, rm), rm)
      return failf("cannot delete '{}': {}", s->part_path_.string(), rm.message());
  } else {
    if (auto ok = s->open_active(std::chrono::system_clock::now()); !ok)
      return std::unexpected(ok.error());
    struct stat st {};
    ::fstat(s->active_fd_.get(), &st);
    auto whole = whole_records_length(s->active_fd_.get(), static_cast<std::uint64_t>(st.st_size));
    if (!whole)
      return failf("spool file '{}': {}", s->active_path_.string(), whole.error().message);
    if (*whole != static_cast<std::uint64_t>(st.st_size)) {
      log()->warn("cutting a torn record ({} bytes) off the end of '{}' (left by a crash)",
                  static_cast<std::uint64_t>(st.st_size) - *whole, s->active_path_.string());
      if (::ftruncate(s->active_fd_.get(), static_cast<off_t>(*whole)) != 0) {
        return failf("cannot truncate '{}': {}", s->active_path_.string(), std::strerror(errno));
      }
    }
    s->active_bytes_ = *whole;
    if (auto ok = s->close_active(); !ok) return std::unexpected(ok.error());
  }
  s->enforce_cap();
  return s;
}

result<void> spool::open_active(std::chrono::system_clock::time_point now) {
  active_fd_.reset(::open(active_path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!active_fd_) {
    return failf("cannot open spool file '{}': {}", active_path_.string(), std::strerror(errno));
  }
  struct stat st {};
  ::fstat(active_fd_.get(), &st);
  active_bytes_ = static_cast<std::uint64_t>(st.st_size);
  active_since_ = now;
  if (active_bytes_ == 0) {
    active_hash_.emplace();
  } else {
    active_hash_.reset();  // left by a crash: hashed when closed or uploaded
  }
  if (!zstd_) return {};
  part_fd_.reset(::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
  if (!part_fd_ || ::ftruncate(part_fd_.get(), 0) != 0) {
    active_fd_.reset();
    return failf("cannot open spool file '{}': {}", part_path_.string(), std::strerror(errno));
  }
  zstd_->reset();
  part_bytes_ = 0;
  part_hash_.emplace();
  part_in_step_ = active_bytes_ == 0;
  return {};
}

result<void> spool::write_compressed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(part_fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("cannot write '{}': {}", part_path_.string(), std::strerror(errno));
    part_hash_->update(bytes.substr(0, static_cast<std::size_t>(n)));
    part_bytes_ += static_cast<std::uint64_t>(n);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

void spool::compress_appended(std::string_view records) {
  if (!zstd_ || !part_in_step_) return;
  compressed_.clear();
  auto ok = zstd_->update(records, compressed_);
  if (ok) ok = write_compressed(compressed_);
  if (!ok) {
    part_in_step_ = false;
    log()->warn("{}: the active file is compressed again when closed", ok.error().message);
  }
}

result<void> spool::rebuild_compressed() {
  if (::ftruncate(part_fd_.get(), 0) != 0 || ::lseek(part_fd_.get(), 0, SEEK_SET) != 0)
    return failf("cannot truncate '{}': {}", part_path_.string(), std::strerror(errno));
  zstd_->reset();
  part_bytes_ = 0;
  part_hash_.emplace();
  active_hash_.emplace();
  part_in_step_ = true;
  std::string piece(k_rebuild_piece, '\0');
  for (std::uint64_t at = 0; at < active_bytes_;) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), active_bytes_ - at));
    auto got = ::pread(active_fd_.get(), piece.data(), want, static_cast<off_t>(at));
    if (got <= 0) return failf("cannot read '{}': {}", active_path_.string(), std::strerror(errno));
    std::string_view records(piece.data(), static_cast<std::size_t>(got));
    active_hash_->update(records);
    compress_appended(records);
    if (!part_in_step_) return failf("cannot compress '{}'", active_path_.string());
    at += static_cast<std::uint64_t>(got);
  }
  return {};
}

result<void> spool::commit_compressed(const std::string& name) {
  if (!part_in_step_) {
    if (auto ok = rebuild_compressed(); !ok) return ok;
  }
  compressed_.clear();
  if (auto ok = zstd_->finish(compressed_); !ok) return ok;
  if (auto ok = write_compressed(compressed_); !ok) return ok;
  if (::fsync(part_fd_.get()) != 0)
    return failf("cannot fsync '{}': {}", part_path_.string(), std::strerror(errno));
  part_fd_.reset();
  // The commit point: from here on the compressed copy is the file.
  if (auto ok = rename_durable(part_path_, committed_path_); !ok) return ok;
  active_fd_.reset();
  std::error_code ec;
  std::filesystem::remove(active_path_, ec);
  if (ec) return failf("cannot delete '{}': {}", active_path_.string(), ec.message());
  return rename_durable(committed_path_, settings_.dir / name);
}

std::string spool::next_closed_name(encoding enc) {
  auto ms = std::max(to_ms(std::chrono::system_clock::now()), last_name_ms_);
  if (ms != last_name_ms_) name_counter_ = 0;
  last_name_ms_ = ms;
  return fmt::format("{}{:013}-{:06}{}{}", k_closed_prefix, ms, name_counter_++, k_closed_suffix,
                     enc == encoding::zstd ? k_zstd_suffix : "");
}

result<void> spool::close_active() {
  if (!active_fd_) return {};
  if (active_bytes_ == 0) return {};
  if (::fsync(active_fd_.get()) != 0) {
    return failf("cannot fsync '{}': {}", active_path_.string(), std::strerror(errno));
  }
  auto name = next_closed_name(settings_.compression);
  spool_file closed{name, active_bytes_, to_ms(std::chrono::system_clock::now()), {}, active_bytes_,
                    {}};
  if (zstd_) {
    if (auto ok = commit_compressed(name); !ok) return ok;
    closed.size = part_bytes_;
    closed.sha256 = part_hash_->finish_hex();
    closed.raw_sha256 = active_hash_->finish_hex();
  } else {
    active_fd_.reset();
    if (auto ok = rename_durable(active_path_, settings_.dir / name); !ok) return ok;
    closed.sha256 = active_hash_ ? active_hash_->finish_hex() : std::string();
    closed.raw_sha256 = closed.sha256;
  }
  closed_.push_back(std::move(closed));
  active_hash_.reset();
  log()->debug("closed spool file {} ({} bytes, {} on disk)", name, active_bytes_,
               closed_.back().size);
  active_bytes_ = 0;
  part_bytes_ = 0;
  publish_stats();
  return {};
}

result<void> spool::append(std::string_view records, std::chrono::system_clock::time_point now) {
  lock_guard lock(mu_);
  if (active_fd_ && active_bytes_ > 0 &&
      (active_bytes_ + records.size() > settings_.rotate_bytes ||
       now - active_since_ >= settings_.rotate_age)) {
    if (auto ok = close_active(); !ok) return ok;
  }
  if (!active_fd_) {
    if (auto ok = open_active(now); !ok) return ok;
  }
  // One write per batch of whole records: O_APPEND keeps it contiguous.
  std::size_t done = 0;
  while (done < records.size()) {
    auto n = ::write(active_fd_.get(), records.data() + done, records.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (done > 0) {  // the file holds part of this batch
        active_hash_.reset();
        part_in_step_ = false;
      }
      return failf("cannot append to '{}': {}", active_path_.string(), std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  active_bytes_ += records.size();
  if (active_hash_) active_hash_->update(records);
  compress_appended(records);
  enforce_cap();
  return {};
}

result<void> spool::rotate() {
  lock_guard lock(mu_);
  return close_active();
}

result<void> spool::rotate_if_old(std::chrono::system_clock::time_point now) {
  lock_guard lock(mu_);
  if (!active_fd_ || now - active_since_ < settings_.rotate_age) return {};
  return close_active();
}

void spool::enforce_cap() {
  std::uint64_t total = active_bytes_ + part_bytes_;
  for (const auto& f : closed_) total += f.size;
  auto it = closed_.begin();
  while (total > settings_.max_bytes && it != closed_.end()) {
    if (pinned_.contains(it->name)) {
      ++it;
      continue;
    }
    std::error_code ec;
    std::filesystem::remove(settings_.dir / it->name, ec);
    if (ec) {
      log()->error("spool over its cap but cannot delete '{}': {}", it->name, ec.message());
      ++it;
      continue;
    }
    total -= it->size;
    ++dropped_files_;
    dropped_bytes_ += it->size;
    log()->warn(
        "spool over its cap of {} bytes: dropped oldest closed file {} ({} bytes); "
        "{} file(s) dropped so far",
        settings_.max_bytes, it->name, it->size, dropped_files_);
    it = closed_.erase(it);
  }
  publish_stats();
}

spool_mark spool::mark() const {
  lock_guard lock(mu_);
  spool_mark m;
  struct stat st {};
  // The file that becomes the closed one keeps its inode: the part file
  // when compressing, else the active file.
  int identity = zstd_ ? part_fd_.get() : active_fd_.get();
  if (active_fd_ && ::fstat(identity, &st) == 0) {
    m.active_ino = static_cast<std::uint64_t>(st.st_ino);
    m.active_size = active_bytes_;
  }
  if (!closed_.empty()) m.newest_closed = closed_.back().name;
  return m;
}

result<std::uint64_t> spool::records_since(std::string_view source, const spool_mark& m) const {
  lock_guard lock(mu_);
  // (file to read, inode of its identity; see mark())
  std::vector<std::pair<std::filesystem::path, std::uint64_t>> files;
  for (const auto& f : closed_) {
    struct stat st {};
    auto path = settings_.dir / f.name;
    if (f.name > m.newest_closed)
      files.emplace_back(path, ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0);
  }
  if (active_fd_) {
    struct stat st {};
    int identity = zstd_ ? part_fd_.get() : active_fd_.get();
    files.emplace_back(active_path_, ::fstat(identity, &st) == 0 ? st.st_ino : 0);
  }
  std::uint64_t n = 0;
  for (const auto& [path, ino] : files) {
    auto text = path == active_path_ ? read_file(path) : read_log_file(path);
    if (!text) return std::unexpected(text.error());
    std::size_t from = 0;
    // The file that was active at the mark: only what came after it.
    if (ino != 0 && ino == m.active_ino)
      from = static_cast<std::size_t>(std::min<std::uint64_t>(m.active_size, text->size()));
    n += count_records_of(std::string_view(*text).substr(from), source);
  }
  return n;
}

std::vector<spool_file> spool::closed_files() const {
  lock_guard lock(mu_);
  return closed_;
}

std::filesystem::path spool::path_of(std::string_view closed_name) const {
  return settings_.dir / closed_name;
}

void spool::pin(const std::string& name) {
  lock_guard lock(mu_);
  pinned_.insert(name);
}

void spool::unpin(const std::string& name) {
  lock_guard lock(mu_);
  pinned_.erase(name);
}

result<void> spool::remove(const std::string& name) {
  lock_guard lock(mu_);
  auto it = std::ranges::find(closed_, name, &spool_file::name);
  if (it == closed_.end()) return failf("spool file '{}' is not a closed spool file", name);
  std::error_code ec;
  std::filesystem::remove(settings_.dir / name, ec);
  if (ec) return failf("cannot delete spool file '{}': {}", name, ec.message());
  closed_.erase(it);
  publish_stats();
  return fsync_directory(settings_.dir);
}

void spool::publish_stats() {
  spool_stats s;
  s.closed_files = closed_.size();
  for (const auto& f : closed_) s.closed_bytes += f.size;
  s.active_bytes = active_bytes_ + part_bytes_;
  s.dropped_files = dropped_files_;
  s.dropped_bytes = dropped_bytes_;
  lock_guard lock(stats_mu_);
  stats_ = s;
}

spool_stats spool::stats() const {
  lock_guard lock(stats_mu_);
  return stats_;
}

}  // namespace peranda::agent
