// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/part_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace peranda::master {

result<part_file> part_file::create(const std::filesystem::path& path) {
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd) return failf("cannot create '{}': {}", path.string(), std::strerror(errno));
  return part_file(path, std::move(fd));
}

result<void> part_file::write_at(std::uint64_t offset, std::string_view bytes) {
  if (!fd_) return failf("'{}' is closed", path_.string());
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd_.get(), bytes.data(), bytes.size(), static_cast<off_t>(offset));
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
  if (!fd_) return failf("'{}' is closed", path_.string());
  int rc = ::fsync(fd_.get());
  int saved = errno;
  fd_.reset();
  if (rc != 0) return failf("cannot fsync '{}': {}", path_.string(), std::strerror(saved));
  return {};
}

void part_file::discard() {
  fd_.reset();
  if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace peranda::master
