// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/pid_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include "core/fs/durable_file.hpp"

namespace peranda {

result<std::unique_ptr<pid_file>> pid_file::acquire(std::filesystem::path path) {
  unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    return failf("cannot open pid file '{}': {}", path.string(), std::strerror(errno));
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    fd.reset();
    if (err != EWOULDBLOCK) {
      return failf("cannot lock pid file '{}': {}", path.string(), std::strerror(err));
    }
    pid_t owner = read_pid(path);
    if (owner > 0) {
      return failf("already running as pid {} (pid file '{}' is locked); stop it first", owner,
                   path.string());
    }
    return failf("already running (pid file '{}' is locked by a process still starting)",
                 path.string());
  }
  return std::unique_ptr<pid_file>(new pid_file(std::move(path), std::move(fd)));
}

pid_file::~pid_file() {
  // Unlink while still holding the lock: a new instance that opened the old
  // file would otherwise lock an unlinked inode and run beside a third one.
  ::unlink(path_.c_str());
}

result<void> pid_file::write_pid() {
  auto text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_.get(), 0) != 0 ||
      ::pwrite(fd_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return failf("cannot write pid file '{}': {}", path_.string(), std::strerror(errno));
  }
  return {};
}

pid_t read_pid(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return 0;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), pid);
  return ec == std::errc() && pid > 0 ? pid : 0;
}

}  // namespace peranda
