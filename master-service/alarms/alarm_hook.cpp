// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_hook.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "core/log/log.hpp"

extern char** environ;

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.alarm_hook");
  return l;
}

// Waits for `pid` to exit for up to `timeout`. Returns the wait status, or
// nullopt on timeout. A pidfd makes it one poll; kernels before 5.3 have
// none, and get a bounded WNOHANG loop instead.
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds timeout) {
  int status = 0;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    ::close(pidfd);
    if (ready == 0) return std::nullopt;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return status;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    ::poll(nullptr, 0, 10);
  }
}

}  // namespace

alarm_hook::alarm_hook(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                       unsigned concurrency, master_metrics& metrics)
    : argv_(std::move(argv)),
      timeout_(timeout),
      concurrency_(concurrency),
      metrics_(metrics),
      pending_(k_backlog) {}

alarm_hook::~alarm_hook() { stop(); }

void alarm_hook::start() {
  if (argv_.empty()) return;
  for (unsigned i = 0; i < concurrency_; ++i) {
    workers_.emplace_back([this](std::stop_token stop) { run(stop); });
  }
}

void alarm_hook::stop() {
  for (auto& w : workers_) w.request_stop();
  pending_.close();
  workers_.clear();
}

void alarm_hook::submit(const std::string& node, std::string alarm_json) {
  if (argv_.empty()) return;
  switch (pending_.push(node, std::move(alarm_json))) {
    case hook_queue::outcome::queued:
    case hook_queue::outcome::closed:
      return;
    case hook_queue::outcome::evicted:
      return metrics_.alarm_hooks.add("skipped_evicted");
    case hook_queue::outcome::full:
      return metrics_.alarm_hooks.add("skipped_full");
  }
}

void alarm_hook::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto input = pending_.pop_for(std::chrono::milliseconds(500));
    if (!input) continue;
    metrics_.alarm_hooks.add(execute(*input));
  }
}

std::string_view alarm_hook::execute(const std::string& input) const {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    log()->error("cannot create a pipe for the alarm hook: {}", std::strerror(errno));
    return "failed";
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  // The master blocks TERM/INT/HUP and ignores SIGPIPE; the hook gets the
  // defaults back so it can be stopped like any program.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  // Its own process group, so a timeout kills what the hook started too.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> args;
  for (const auto& a : argv_) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    log()->error("cannot run alarm hook '{}': {}", argv_[0], std::strerror(rc));
    return "failed";
  }
  // The JSON is far below a pipe's buffer, so this write does not block on
  // a hook that never reads; a hook that exits early gets EPIPE, ignored.
  std::string line = input + '\n';
  [[maybe_unused]] auto n = ::write(fds[1], line.data(), line.size());
  ::close(fds[1]);
  auto status = wait_child(pid, timeout_);
  if (!status) {
    ::kill(-pid, SIGKILL);
    wait_child(pid, std::chrono::seconds(5));
    log()->warn("alarm hook '{}' ran longer than {} ms; killed", argv_[0], timeout_.count());
    return "timed_out";
  }
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return "ok";
  log()->warn("alarm hook '{}' failed (status {})", argv_[0], *status);
  return "failed";
}

}  // namespace peranda::master
