// SPDX-License-Identifier: Apache-2.0
#include "master-service/health/health_monitor.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fs/unique_fd.hpp"
#include "master-service/registry/registry.hpp"
#include "master-service/scheduler/pull_tracker.hpp"

namespace peranda::master {
namespace {

std::string errno_text(std::string_view what, const std::filesystem::path& path) {
  return fmt::format("cannot {} '{}': {}", what, path.string(), std::strerror(errno));
}

// Creates, writes and removes a small file in `dir`: what storing a file or
// rotating the journal needs, at the cost of one tiny write.
std::optional<std::string> probe_directory(const std::filesystem::path& dir) {
  auto file = dir / health_monitor::k_probe_name;
  unique_fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return errno_text("create", file);
  static constexpr char k_bytes[] = "probe\n";
  if (::write(fd.get(), k_bytes, sizeof k_bytes - 1) != static_cast<ssize_t>(sizeof k_bytes - 1)) {
    auto error = errno_text("write", file);
    ::unlink(file.c_str());
    return error;
  }
  fd.reset();
  if (::unlink(file.c_str()) != 0) return errno_text("remove", file);
  return std::nullopt;
}

std::optional<std::string> probe_journal(const std::filesystem::path& journal) {
  if (auto error = probe_directory(journal.parent_path())) return error;
  // The journal may not exist yet (no alarm so far): then its directory decides.
  unique_fd fd(::open(journal.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd && errno != ENOENT) return errno_text("open for appending", journal);
  return std::nullopt;
}

}  // namespace

health_monitor::health_monitor(settings s, const registry& nodes, const pull_tracker& pulls)
    : settings_(std::move(s)), nodes_(nodes), pulls_(pulls) {}

void health_monitor::probe(clock::time_point now) {
  health_facts f;
  f.min_free_bytes = settings_.min_free_bytes;
  f.pull_interval = settings_.pull_interval;
  f.data_dir_error = probe_directory(settings_.data_dir);
  auto journal_error = probe_journal(settings_.journal);
  struct statvfs fs {};
  if (::statvfs(settings_.data_dir.c_str(), &fs) == 0) {
    f.free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  } else if (!f.data_dir_error) {
    f.data_dir_error = errno_text("read the free space of", settings_.data_dir);
  }
  const auto limit = 2 * settings_.pull_interval;
  for (const auto& [node, since] : nodes_.online_since()) {
    auto last = std::max(since, pulls_.last_success(node).value_or(since));
    auto late = std::chrono::duration_cast<std::chrono::milliseconds>(now - last);
    if (late <= limit) continue;
    ++f.late_nodes;
    if (late > f.most_late) {
      f.most_late = late;
      f.most_late_node = node;
    }
  }
  lock_guard lock(mu_);
  probed_ = std::move(f);
  probe_journal_error_ = std::move(journal_error);
  if (write_error_ && now - write_error_at_ >= k_write_error_memory) write_error_.reset();
}

void health_monitor::journal_failed(const std::string& error) {
  lock_guard lock(mu_);
  write_error_ = fmt::format("a write to the alarm journal failed: {}", error);
  write_error_at_ = clock::now();
}

health_facts health_monitor::facts(bool broker_connected) const {
  lock_guard lock(mu_);
  health_facts f = probed_;
  f.broker_connected = broker_connected;
  f.journal_error = probe_journal_error_ ? probe_journal_error_ : write_error_;
  return f;
}

}  // namespace peranda::master
