// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace peranda {
namespace {

constexpr char k_success = '0';

// In the original process: waits for the daemon's report, then leaves.
[[noreturn]] void wait_for_report(int fd, pid_t intermediate) {
  std::string report;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    report.append(buf, static_cast<std::size_t>(n));
  }
  ::waitpid(intermediate, nullptr, 0);
  if (report.size() == 1 && report[0] == k_success) ::_exit(0);
  if (report.empty()) report = "the daemon exited during start-up (see its log)";
  std::fprintf(stderr, "%s\n", report.c_str());
  ::_exit(1);
}

result<void> redirect(int target, const char* path, int flags) {
  unique_fd fd(::open(path, flags | O_CLOEXEC, 0640));
  if (!fd) return failf("cannot open '{}': {}", path, std::strerror(errno));
  int rc = ::dup2(fd.get(), target);  // dup2 clears FD_CLOEXEC on the target
  if (rc < 0) return failf("cannot redirect fd {}: {}", target, std::strerror(errno));
  return {};
}

}  // namespace

void daemon_handshake::send(std::string_view text) {
  if (!fd_) return;
  while (!text.empty()) {
    ssize_t n = ::write(fd_.get(), text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  fd_.reset();
}

void daemon_handshake::succeeded() { send(std::string_view(&k_success, 1)); }

void daemon_handshake::failed(std::string_view reason) {
  // A reason that is exactly the success byte would read as success.
  send(reason.size() == 1 && reason[0] == k_success ? "failed" : reason);
}

result<daemon_handshake> daemonize(const std::filesystem::path& log_file) {
  // Resolve before chdir("/") so a relative --log-file means what it said.
  std::filesystem::path log = log_file.empty() ? log_file : std::filesystem::absolute(log_file);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return failf("pipe: {}", std::strerror(errno));
  unique_fd report_read(fds[0]);
  unique_fd report_write(fds[1]);
  std::fflush(nullptr);
  pid_t first = ::fork();
  if (first < 0) return failf("fork: {}", std::strerror(errno));
  if (first > 0) {
    report_write.reset();
    wait_for_report(report_read.get(), first);
  }
  report_read.reset();
  daemon_handshake handshake(std::move(report_write));
  pid_t second = ::setsid() < 0 ? -1 : ::fork();
  if (second < 0) {
    handshake.failed(std::string("cannot detach: ") + std::strerror(errno));
    ::_exit(1);
  }
  if (second > 0) ::_exit(0);

  ::umask(027);
  // stderr is no longer the journal: keep timestamps in our log lines.
  ::unsetenv("JOURNAL_STREAM");
  result<void> ok = ::chdir("/") == 0 ? result<void>{} : failf("chdir /: {}", std::strerror(errno));
  if (ok) ok = redirect(STDIN_FILENO, "/dev/null", O_RDONLY);
  if (ok) ok = redirect(STDOUT_FILENO, "/dev/null", O_WRONLY);
  if (ok) ok = log.empty() ? redirect(STDERR_FILENO, "/dev/null", O_WRONLY) : reopen_log(log);
  if (!ok) {
    handshake.failed(ok.error().message);
    ::_exit(1);
  }
  return handshake;
}

result<void> reopen_log(const std::filesystem::path& log_file) {
  if (log_file.empty()) return {};
  return redirect(STDERR_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND);
}

}  // namespace peranda
