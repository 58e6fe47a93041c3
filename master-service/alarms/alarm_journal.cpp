// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/fs/durable_file.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::master {
namespace {

// How much of an existing journal is read back at start.
constexpr std::uint64_t k_tail_bytes = 16ull << 20;

}  // namespace

alarm_journal::alarm_journal(std::filesystem::path path, bool fsync,
                             group_commit::error_sink on_sync_error)
    : path_(std::move(path)), fsync_(fsync), commit_(std::move(on_sync_error)) {}

alarm_journal::~alarm_journal() {
  close();
  if (fd_ >= 0) ::close(fd_);
}

result<void> alarm_journal::open() {
  if (auto ok = ensure_directory(path_.parent_path()); !ok) return ok;
  std::lock_guard lock(mu_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0)
    return failf("cannot open alarm journal '{}': {}", path_.string(), std::strerror(errno));
  std::ifstream in(path_, std::ios::binary);
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(static_cast<std::streamoff>(size > k_tail_bytes ? size - k_tail_bytes : 0));
  std::string line;
  if (size > k_tail_bytes) std::getline(in, line);  // a partial first line
  bool torn = false;
  while (std::getline(in, line)) {
    torn = in.eof();  // the last line had no newline: a write cut by a crash
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object() || !doc.contains("id") || !doc["id"].is_string()) continue;
    journal_entry e{++seq_, doc.value("received", std::uint64_t{0}), line};
    remember(std::move(e), doc["id"].get<std::string>());
  }
  // End a torn line so the next alarm starts on a line of its own.
  if (torn && ::write(fd_, "\n", 1) != 1) {
    return failf("cannot repair alarm journal '{}': {}", path_.string(), std::strerror(errno));
  }
  if (fsync_) commit_.start(fd_);
  return {};
}

void alarm_journal::remember(journal_entry entry, const std::string& id) {
  if (seen_.insert(id).second) seen_order_.push_back(id);
  while (seen_order_.size() > k_remembered) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  lines_.push_back(std::move(entry));
  while (lines_.size() > k_kept_lines) lines_.pop_front();
}

result<std::optional<journal_entry>> alarm_journal::append(const protocol::alarm& a,
                                                           std::uint64_t received_ms) {
  auto doc = nlohmann::json::parse(protocol::encode(a));
  doc["received"] = received_ms;
  auto text = protocol::dump_json(doc);
  std::unique_lock lock(mu_);
  if (seen_.contains(a.id)) return std::optional<journal_entry>{};
  if (fd_ < 0) return failf("alarm journal '{}' is not open", path_.string());
  auto line = text + '\n';
  // One write of a whole line with O_APPEND: a crash leaves at most a
  // partial last line, which the tail reader skips.
  ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    return failf("cannot append to alarm journal '{}': {}", path_.string(),
                 n < 0 ? std::strerror(errno) : "short write");
  }
  journal_entry e{++seq_, received_ms, std::move(text)};
  remember(e, a.id);
  lock.unlock();
  grew_.notify_all();
  return std::optional<journal_entry>{std::move(e)};
}

std::vector<journal_entry> alarm_journal::since(std::uint64_t since_ms, std::size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<journal_entry> out;
  for (const auto& e : lines_) {
    if (e.received_ms >= since_ms) out.push_back(e);
  }
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return out;
}

std::vector<journal_entry> alarm_journal::wait_for_more(std::uint64_t after_seq,
                                                        std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  grew_.wait_for(lock, timeout, [&] { return closed_ || seq_ > after_seq; });
  std::vector<journal_entry> out;
  for (const auto& e : lines_) {
    if (e.seq > after_seq) out.push_back(e);
  }
  return out;
}

std::uint64_t alarm_journal::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

void alarm_journal::after_durable(group_commit::action a) {
  if (fsync_) return commit_.after_sync(std::move(a));
  a();
}

void alarm_journal::close() {
  commit_.stop();
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  grew_.notify_all();
}

}  // namespace peranda::master
