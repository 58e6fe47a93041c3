// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "core/fs/durable_file.hpp"
#include "core/log/log.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.alarm_journal");
  return l;
}

// How much of an existing journal is read back at start.
constexpr std::uint64_t k_tail_bytes = 16ull << 20;
// A failed rotation is tried again after this (not at every alarm).
constexpr std::uint64_t k_rotation_retry_ms = 60'000;
// "YYYYMMDDTHHMMSS.mmmZ" between "<stem>-" and "<ext>".
constexpr std::size_t k_stamp_chars = 20;

std::string dedup_key(std::string_view node, std::string_view id) {
  // '/' is in neither grammar, so the key is unambiguous.
  return fmt::format("{}/{}", node, id);
}

std::string utc_stamp(std::uint64_t ms) {
  auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%S", &tm);
  return fmt::format("{}.{:03}Z", text, ms % 1000);
}

int open_for_append(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

}  // namespace

alarm_journal::alarm_journal(std::filesystem::path path, bool fsync,
                             group_commit::error_sink on_sync_error, journal_limits limits)
    : path_(std::move(path)), fsync_(fsync), limits_(limits), commit_(std::move(on_sync_error)) {}

alarm_journal::~alarm_journal() { close(); }

std::vector<std::filesystem::path> alarm_journal::rotated_files() const {
  auto prefix = path_.stem().string() + "-";
  auto ext = path_.extension().string();
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path_.parent_path(), ec)) {
    auto name = e.path().filename().string();
    if (name.size() != prefix.size() + k_stamp_chars + ext.size() || !name.starts_with(prefix) ||
        !name.ends_with(ext) || name[prefix.size() + k_stamp_chars - 1] != 'Z') {
      continue;
    }
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());  // the stamp sorts by time
  return out;
}

result<void> alarm_journal::open() {
  if (auto ok = ensure_directory(path_.parent_path()); !ok) return ok;
  lock_guard lock(mu_);
  fd_.reset(open_for_append(path_));
  if (!fd_)
    return failf("cannot open alarm journal '{}': {}", path_.string(), std::strerror(errno));
  // The newest 16 MiB: the current file, then rotated ones, newest first.
  std::vector<std::pair<std::filesystem::path, std::uint64_t>> tail;  // file, from offset
  std::uint64_t budget = k_tail_bytes;
  auto files = rotated_files();
  files.push_back(path_);
  std::error_code ec;
  for (auto it = files.rbegin(); it != files.rend() && budget > 0; ++it) {
    auto size = std::filesystem::file_size(*it, ec);
    if (ec) continue;
    auto from = size > budget ? size - budget : 0;
    budget -= size - from;
    tail.emplace_back(*it, from);
  }
  bool torn = false;
  for (auto it = tail.rbegin(); it != tail.rend(); ++it) torn = reload(it->first, it->second);
  file_bytes_ = std::filesystem::file_size(path_, ec);
  if (ec) file_bytes_ = 0;
  // End a torn line so the next alarm starts on a line of its own.
  if (torn && ::write(fd_.get(), "\n", 1) != 1) {
    return failf("cannot repair alarm journal '{}': {}", path_.string(), std::strerror(errno));
  }
  if (fsync_) commit_.start(fd_.get());
  return {};
}

bool alarm_journal::reload(const std::filesystem::path& file, std::uint64_t offset) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  if (offset > 0) std::getline(in, line);  // a partial first line
  bool torn = false;
  bool current = file == path_;
  while (std::getline(in, line)) {
    torn = in.eof();  // the last line had no newline: a write cut by a crash
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object() || !doc.contains("id") || !doc["id"].is_string() ||
        !doc.contains("node") || !doc["node"].is_string()) {
      continue;
    }
    journal_entry e{++seq_, doc.value("received", std::uint64_t{0}), line};
    if (current && file_first_ms_ == 0) file_first_ms_ = e.received_ms;
    remember(std::move(e), dedup_key(doc["node"].get<std::string>(), doc["id"].get<std::string>()));
  }
  return torn;
}

void alarm_journal::remember(journal_entry entry, const std::string& key) {
  if (seen_.insert(key).second) seen_order_.push_back(key);
  while (seen_order_.size() > k_remembered) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  lines_bytes_ += entry.json.size();
  lines_.push_back(std::move(entry));
  while (lines_.size() > k_kept_lines || lines_bytes_ > k_kept_bytes) {
    lines_bytes_ -= lines_.front().json.size();
    lines_.pop_front();
  }
}

bool alarm_journal::rotation_due(std::size_t bytes, std::uint64_t received_ms) const {
  if (file_bytes_ == 0 || received_ms < no_rotation_before_ms_) return false;
  return file_bytes_ + bytes > limits_.max_bytes ||
         received_ms >= file_first_ms_ + static_cast<std::uint64_t>(limits_.max_age.count());
}

std::filesystem::path alarm_journal::rotated_name(std::uint64_t ms) const {
  return path_.parent_path() /
         fmt::format("{}-{}{}", path_.stem().string(), utc_stamp(ms), path_.extension().string());
}

void alarm_journal::rotate(std::uint64_t now_ms) {
  // Names are unique: a name taken already (two rotations in one
  // millisecond) moves on a millisecond; nothing is ever replaced.
  auto target = rotated_name(now_ms);
  std::error_code ec;
  for (auto ms = now_ms + 1; std::filesystem::exists(target, ec); ++ms) target = rotated_name(ms);
  auto give_up = [&](std::string_view what) REQUIRES(mu_) {
    log()->error("cannot rotate alarm journal '{}' ({}): {}; it grows on, next try in {} s",
                 path_.string(), what, std::strerror(errno), k_rotation_retry_ms / 1000);
    no_rotation_before_ms_ = now_ms + k_rotation_retry_ms;
  };
  if (::rename(path_.c_str(), target.c_str()) != 0) return give_up("rename");
  unique_fd fd(open_for_append(path_));
  if (!fd) {
    give_up("open");
    // The old descriptor still writes to the renamed file: its name back.
    if (::rename(target.c_str(), path_.c_str()) != 0) {
      log()->error("alarm journal '{}' is now named '{}'", path_.string(), target.string());
    }
    return;
  }
  if (fsync_) commit_.replace_fd(fd.get());
  fd_ = std::move(fd);
  file_bytes_ = 0;
  file_first_ms_ = 0;
  log()->info("alarm journal rotated to '{}'", target.filename().string());
  auto rotated = rotated_files();
  auto keep = std::max(1u, limits_.keep);
  for (std::size_t i = 0; i + keep < rotated.size(); ++i) {
    if (!std::filesystem::remove(rotated[i], ec) && ec) {
      log()->warn("cannot delete old alarm journal '{}': {}", rotated[i].string(), ec.message());
    }
  }
}

result<std::optional<journal_entry>> alarm_journal::append(const protocol::alarm& a,
                                                           std::uint64_t received_ms) {
  auto doc = nlohmann::json::parse(protocol::encode(a));
  doc["received"] = received_ms;
  auto text = protocol::dump_json(doc);
  auto key = dedup_key(a.node, a.id);
  unique_lock lock(mu_);
  if (seen_.contains(key)) return std::optional<journal_entry>{};
  if (!fd_) return failf("alarm journal '{}' is not open", path_.string());
  auto line = text + '\n';
  if (rotation_due(line.size(), received_ms)) rotate(received_ms);
  // One write of a whole line with O_APPEND: a crash leaves at most a
  // partial last line, which the tail reader skips.
  ssize_t n = ::write(fd_.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    return failf("cannot append to alarm journal '{}': {}", path_.string(),
                 n < 0 ? std::strerror(errno) : "short write");
  }
  if (file_bytes_ == 0) file_first_ms_ = received_ms;
  file_bytes_ += line.size();
  journal_entry e{++seq_, received_ms, std::move(text)};
  remember(e, key);
  lock.unlock();
  grew_.notify_all();
  return std::optional<journal_entry>{std::move(e)};
}

std::vector<journal_entry> alarm_journal::since(std::uint64_t since_ms, std::size_t limit) const {
  lock_guard lock(mu_);
  std::vector<journal_entry> out;
  for (const auto& e : lines_) {
    if (e.received_ms >= since_ms) out.push_back(e);
  }
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return out;
}

std::vector<journal_entry> alarm_journal::wait_for_more(std::uint64_t after_seq,
                                                        std::chrono::milliseconds timeout) const {
  unique_lock lock(mu_);
  grew_.wait_for(lock, timeout, [&]() REQUIRES(mu_) { return closed_ || seq_ > after_seq; });
  std::vector<journal_entry> out;
  for (const auto& e : lines_) {
    if (e.seq > after_seq) out.push_back(e);
  }
  return out;
}

std::uint64_t alarm_journal::last_seq() const {
  lock_guard lock(mu_);
  return seq_;
}

void alarm_journal::after_durable(group_commit::action a) {
  if (fsync_) return commit_.after_sync(std::move(a));
  a();
}

void alarm_journal::close() {
  commit_.stop();
  {
    lock_guard lock(mu_);
    closed_ = true;
  }
  grew_.notify_all();
}

}  // namespace peranda::master
