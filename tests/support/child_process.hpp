// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace peranda::test {

// A program the test started, with stdout+stderr in `log_file`. It is
// stopped by PID (SIGTERM, then SIGKILL after a deadline) on destruction,
// and killed when the thread that started it exits: start children from
// the test's main thread, never from a short-lived one.
class child_process {
 public:
  child_process(std::vector<std::string> argv, std::filesystem::path log_file,
                std::vector<std::string> extra_env = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // After running() returned false: the exit status (or 128+signal).
  int exit_status() const { return status_; }
  // Sends `sig` and waits for the exit; returns the exit status (or 128+sig).
  int stop(int sig = 15);
  void kill9();
  // Waits for the process to exit by itself; -1 if it did not in time.
  int wait_exit(std::chrono::milliseconds deadline);
  std::string log() const;
  // For failure messages: "running", with every thread's stack when gdb is
  // installed (what a hang is waiting for), or "exited with status N".
  std::string state();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::filesystem::path log_file_;
};

// Path of a program built by this project (build/bin/NAME).
std::string program(const std::string& name);

}  // namespace peranda::test
