// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/file_watcher.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log/log.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.file");
  return l;
}

constexpr std::uint32_t k_watch_mask =
    IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB;
// poll() timeout of the thread: how quickly a stop request is seen.
constexpr int k_wake_ms = 200;

}  // namespace

file_watcher::file_watcher(std::chrono::milliseconds fallback) : fallback_(fallback) {}

file_watcher::~file_watcher() { stop(); }

void file_watcher::add(std::unique_ptr<file_follower> follower) {
  followers_.push_back(std::move(follower));
}

result<void> file_watcher::start() {
  if (followers_.empty()) return {};
  inotify_fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify_fd_) return failf("inotify_init1: {}", std::strerror(errno));
  for (auto& f : followers_) {
    if (auto ok = f->start(); !ok) {
      return failf("file source '{}': {}", f->settings().name, ok.error().message);
    }
    auto dir = f->settings().path.parent_path();
    int wd = ::inotify_add_watch(inotify_fd_.get(), dir.c_str(), k_watch_mask);
    if (wd < 0) {
      // Still followed, by the fallback poll only.
      log()->warn("{}: cannot watch '{}' ({}); checking it every {} ms", f->settings().name,
                  dir.string(), std::strerror(errno), fallback_.count());
      continue;
    }
    by_watch_[wd].push_back(f.get());
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  return {};
}

void file_watcher::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  inotify_fd_.reset();
}

void file_watcher::poll_all() {
  for (auto& f : followers_) f->poll();
}

void file_watcher::run(std::stop_token stop) {
  poll_all();
  auto next_fallback = std::chrono::steady_clock::now() + fallback_;
  alignas(inotify_event) char buffer[16 * 1024];
  while (!stop.stop_requested()) {
    pollfd p{inotify_fd_.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, k_wake_ms);
    if (ready > 0) {
      std::map<int, bool> touched;
      bool overflow = false;
      for (;;) {
        auto n = ::read(inotify_fd_.get(), buffer, sizeof buffer);
        if (n <= 0) break;
        for (char* at = buffer; at < buffer + n;) {
          auto* ev = reinterpret_cast<inotify_event*>(at);
          if (ev->mask & IN_Q_OVERFLOW) overflow = true;
          touched[ev->wd] = true;
          at += sizeof(inotify_event) + ev->len;
        }
      }
      if (overflow) {
        poll_all();
      } else {
        // Every follower of a touched directory: a write to a rotated-away
        // file has another name than the followed path.
        for (const auto& [wd, _] : touched) {
          auto it = by_watch_.find(wd);
          if (it == by_watch_.end()) continue;
          for (auto* f : it->second) f->poll();
        }
      }
    }
    auto now = std::chrono::steady_clock::now();
    for (auto& f : followers_) f->expire(now);
    if (std::chrono::steady_clock::now() >= next_fallback) {
      poll_all();
      next_fallback = std::chrono::steady_clock::now() + fallback_;
    }
  }
}

}  // namespace peranda::agent
