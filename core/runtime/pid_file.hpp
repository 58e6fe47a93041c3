// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>

#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda {

// The classic daemon's pid file, made safe with flock(2): the lock, not the
// file's existence, says whether an instance runs, so a stale file left by
// a kill -9 never blocks a start, and two starts can never both succeed.
// The lock belongs to the open file description, so it survives fork():
// acquire before detaching, write_pid() in the final process.
// Not thread-safe; owned by main.
class pid_file {
 public:
  // Opens (creating, mode 0644) and locks `path` without waiting. If another
  // process holds the lock, fails with a message naming that process's pid.
  [[nodiscard]] static result<std::unique_ptr<pid_file>> acquire(std::filesystem::path path);
  // Removes the file, then releases the lock.
  ~pid_file();
  pid_file(const pid_file&) = delete;
  pid_file& operator=(const pid_file&) = delete;

  // Replaces the file's content with getpid() and a newline.
  [[nodiscard]] result<void> write_pid();
  const std::filesystem::path& path() const { return path_; }

 private:
  pid_file(std::filesystem::path path, unique_fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  // Constant after construction
  const std::filesystem::path path_;
  const unique_fd fd_;
};

// The pid recorded in `path`, or 0 if it holds none.
pid_t read_pid(const std::filesystem::path& path);

}  // namespace peranda
