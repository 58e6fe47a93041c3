// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/part_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace peranda::master {

result<part_file> part_file::create(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return failf("cannot create '{}': {}", path.string(), std::strerror(errno));
  return part_file(path, fd);
}

part_file::part_file(part_file&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

part_file& part_file::operator=(part_file&& other) noexcept {
  if (this != &other) {
    close_fd();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

part_file::~part_file() { close_fd(); }

void part_file::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

result<void> part_file::write_at(std::uint64_t offset, std::string_view bytes) {
  if (fd_ < 0) return failf("'{}' is closed", path_.string());
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return failf("cannot write '{}': {}", path_.string(), std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

result<void> part_file::sync_and_close() {
  if (fd_ < 0) return failf("'{}' is closed", path_.string());
  int rc = ::fsync(fd_);
  int saved = errno;
  close_fd();
  if (rc != 0) return failf("cannot fsync '{}': {}", path_.string(), std::strerror(saved));
  return {};
}

void part_file::discard() {
  close_fd();
  if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace peranda::master
