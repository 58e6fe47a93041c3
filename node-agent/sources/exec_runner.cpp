// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/exec_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

extern char** environ;

namespace peranda::agent {
namespace {

// Closes its descriptors on scope exit.
struct pipe_pair {
  int fd[2] = {-1, -1};
  ~pipe_pair() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
};

struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

std::string fmt_error(const std::string& what, int e) { return what + ": " + std::strerror(e); }

}  // namespace

exec_outcome run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         std::uint64_t max_output, std::stop_token stop) {
  exec_outcome r;
  pipe_pair out, err;
  if (::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0) {
    r.spawn_error = fmt_error("pipe", errno);
    return r;
  }
  spawn_setup s;
  posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&s.actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&s.actions, err.fd[1], 2);
  // Own process group (so a timeout kills its children too); the agent
  // blocks signals for its sigwait thread, the command must not inherit that.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&s.attr, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&s.attr, &all);
  posix_spawnattr_setpgroup(&s.attr, 0);
  posix_spawnattr_setflags(&s.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &s.actions, &s.attr, args.data(), environ);
  if (rc != 0) {
    r.spawn_error = fmt_error("cannot run " + argv[0], rc);
    return r;
  }
  ::close(out.fd[1]);
  out.fd[1] = -1;
  ::close(err.fd[1]);
  err.fd[1] = -1;

  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<pollfd, 2> fds{{{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&r.out, &r.err};
  std::uint64_t kept = 0;
  char buf[8192];
  bool killed = false;
  auto kill_if_due = [&] {
    if (killed) return;
    bool late = std::chrono::steady_clock::now() >= deadline;
    if (!late && !stop.stop_requested()) return;
    r.timed_out = late;
    r.interrupted = !late;
    killed = true;
    ::kill(-pid, SIGKILL);
  };
  int open_pipes = 2;
  while (open_pipes > 0) {
    kill_if_due();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    // After the kill the pipes close as the group dies; wait for that.
    // Before it, wake now and then to see a stop request.
    int wait_ms = killed ? 1000 : static_cast<int>(std::clamp<long>(left.count(), 1, 200));
    int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 && killed) break;  // a member escaped the group (setsid)
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        fds[i].fd = -1;
        --open_pipes;
        continue;
      }
      auto keep = std::min<std::uint64_t>(static_cast<std::uint64_t>(n), max_output - kept);
      sinks[i]->append(buf, keep);
      kept += keep;
      r.dropped_bytes += static_cast<std::uint64_t>(n) - keep;
    }
  }
  // The leader may outlive its pipes: wait for it (WNOWAIT keeps it a
  // zombie, so its process group id cannot be reused before the kill below).
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      break;
    }
    kill_if_due();
    ::poll(nullptr, 0, 10);
  }
  // Leftovers of the group (background children) go with it.
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace peranda::agent
