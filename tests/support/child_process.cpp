// SPDX-License-Identifier: Apache-2.0
#include "tests/support/child_process.hpp"

#include <algorithm>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/wait.hpp"

extern char** environ;

namespace peranda::test {

std::string program(const std::string& name) { return std::string(PERANDA_BIN_DIR) + "/" + name; }

child_process::child_process(std::vector<std::string> argv, std::filesystem::path log_file,
                             std::vector<std::string> extra_env)
    : log_file_(std::move(log_file)) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  // An extra NAME=value replaces the inherited NAME (getenv takes the first).
  auto name_of = [](std::string_view e) { return e.substr(0, e.find('=') + 1); };
  std::vector<std::string> env_storage;
  for (char** e = environ; *e; ++e) {
    bool replaced = std::ranges::any_of(
        extra_env, [&](const std::string& x) { return name_of(x) == name_of(*e); });
    if (!replaced) env_storage.emplace_back(*e);
  }
  for (auto& e : extra_env) env_storage.push_back(e);
  std::vector<char*> env;
  for (auto& e : env_storage) env.push_back(e.data());
  env.push_back(nullptr);

  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that aborts (a failed BOOST_REQUIRE in a destructor, a
    // sanitizer report, ctest's timeout) skips the destructors that stop
    // its children: without this they would outlive it, holding ports and
    // CPU for the rest of the suite. Children are started from the test's
    // main thread, whose exit is the test's.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
  }
}

child_process::~child_process() {
  if (pid_ > 0) stop();
}

bool child_process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int child_process::wait_exit(std::chrono::milliseconds deadline) {
  if (!wait_until([&] { return !running(); }, deadline)) return -1;
  return status_;
}

int child_process::stop(int sig) {
  if (!running()) return status_;
  ::kill(pid_, sig);
  if (wait_exit(std::chrono::seconds(20)) >= 0) return status_;
  ::kill(pid_, SIGKILL);
  wait_exit(std::chrono::seconds(20));
  return status_;
}

void child_process::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  wait_exit(std::chrono::seconds(20));
}

std::string child_process::log() const {
  std::ifstream in(log_file_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string child_process::state() {
  if (!running()) return "exited with status " + std::to_string(status_);
  std::string out = "running";
  if (!std::filesystem::exists("/usr/bin/gdb")) return out;
  auto cmd = "/usr/bin/gdb -p " + std::to_string(pid_) +
             " -batch -nx -ex 'thread apply all bt 20' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> gdb(::popen(cmd.c_str(), "r"), ::pclose);
  if (!gdb) return out;
  out += "; its threads:\n";
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, gdb.get())) out.append(buf, n);
  return out;
}

}  // namespace peranda::test
