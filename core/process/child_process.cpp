// SPDX-License-Identifier: Apache-2.0
#include "core/process/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>

#include "core/fs/unique_fd.hpp"

extern char** environ;

namespace peranda {
namespace {

using clock_type = std::chrono::steady_clock;

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
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

std::string fmt_error(const std::string& what, int e) { return what + ": " + std::strerror(e); }

bool make_pipe(unique_fd& read_end, unique_fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

// True once `pid` has exited. WNOWAIT leaves it a zombie, so its process
// group id cannot be reused before our last kill of the group.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

}  // namespace

child_outcome run_child(const child_spec& spec, std::stop_token stop) {
  child_outcome r;
  if (spec.argv.empty()) {
    r.spawn_error = "no command given";
    return r;
  }
  unique_fd in_read, in_write, out_read, out_write, err_read, err_write;
  if ((spec.input && !make_pipe(in_read, in_write)) ||
      (spec.max_output && (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write)))) {
    r.spawn_error = fmt_error("pipe", errno);
    return r;
  }
  spawn_setup s;
  if (spec.input) {
    posix_spawn_file_actions_adddup2(&s.actions, in_read.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (spec.max_output) {
    posix_spawn_file_actions_adddup2(&s.actions, out_write.get(), 1);
    posix_spawn_file_actions_adddup2(&s.actions, err_write.get(), 2);
  }
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
  for (const auto& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &s.actions, &s.attr, args.data(), environ);
  if (rc != 0) {
    r.spawn_error = fmt_error("cannot run " + spec.argv[0], rc);
    return r;
  }
  // Only the child keeps these ends: end of file reaches us when it exits.
  in_read.reset();
  out_write.reset();
  err_write.reset();
  std::string_view input = spec.input ? std::string_view(*spec.input) : std::string_view();
  if (in_write) ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
  // Readable once the command exits: one poll instead of a WNOHANG loop.
  // Kernels before 5.3 have no pidfd and get the loop (10 ms steps).
  unique_fd exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  auto deadline = clock_type::now() + spec.timeout;
  bool killed = false;
  auto kill_if_due = [&] {
    if (killed) return;
    bool late = clock_type::now() >= deadline;
    if (!late && !stop.stop_requested()) return;
    r.timed_out = late;
    r.interrupted = !late;
    killed = true;
    ::kill(-pid, SIGKILL);
  };
  std::uint64_t kept = 0;
  char buf[8192];
  bool exited = false;
  for (;;) {
    kill_if_due();
    if (in_write && input.empty()) in_write.reset();
    exited = exited || has_exited(pid);
    if (exited && !out_read && !err_read) break;
    pollfd fds[4] = {{in_write.get(), POLLOUT, 0},
                     {out_read.get(), POLLIN, 0},
                     {err_read.get(), POLLIN, 0},
                     {exited ? -1 : exit_fd.get(), POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    // After the kill the pipes close as the group dies; wait for that.
    // Before it, wake now and then to see a stop request.
    int wait_ms = killed ? 1000 : static_cast<int>(std::clamp<long>(left.count(), 1, 200));
    if (!exited && !exit_fd) wait_ms = std::min(wait_ms, 10);
    int ready = ::poll(fds, 4, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 && killed) {
      // A member escaped the group (setsid) and holds the pipes: stop
      // reading; only the leader is still waited for.
      in_write.reset();
      out_read.reset();
      err_read.reset();
      continue;
    }
    if (in_write && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      auto n = ::write(in_write.get(), input.data(), input.size());
      if (n >= 0) {
        input.remove_prefix(static_cast<std::size_t>(n));
      } else if (errno != EAGAIN && errno != EINTR) {
        in_write.reset();  // it exited or closed stdin without reading all
      }
    }
    unique_fd* outputs[2] = {&out_read, &err_read};
    std::string* sinks[2] = {&r.out, &r.err};
    for (int i = 0; i < 2; ++i) {
      if (!*outputs[i] || !(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto n = ::read(outputs[i]->get(), buf, sizeof buf);
      if (n <= 0) {
        outputs[i]->reset();
        continue;
      }
      auto keep = std::min<std::uint64_t>(static_cast<std::uint64_t>(n), *spec.max_output - kept);
      sinks[i]->append(buf, keep);
      kept += keep;
      r.dropped_bytes += static_cast<std::uint64_t>(n) - keep;
    }
  }
  if (killed || spec.kill_leftovers) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace peranda
