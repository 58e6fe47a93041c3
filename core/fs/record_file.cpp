// SPDX-License-Identifier: Apache-2.0
#include "core/fs/record_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "core/fs/durable_file.hpp"

namespace peranda {

result<void> record_file::open() {
  if (auto ok = ensure_directory(path_.parent_path()); !ok) return ok;
  bool existed = std::filesystem::exists(path_);
  fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (!fd_) return failf("cannot open '{}': {}", path_.string(), std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) {
    auto failed = failf("cannot stat '{}': {}", path_.string(), std::strerror(errno));
    fd_.reset();
    return failed;
  }
  size_ = static_cast<std::size_t>(st.st_size);
  dir_synced_ = existed;
  return {};
}

result<void> record_file::write(std::string_view record, bool durable) {
  if (!fd_) {
    if (auto ok = open(); !ok) return ok;
  }
  auto sectors =
      std::max<std::size_t>((std::max(size_, record.size()) + k_sector - 1) / k_sector, 1);
  std::string padded(sectors * k_sector, ' ');
  padded.replace(0, record.size(), record);
  std::size_t done = 0;
  while (done < padded.size()) {
    auto n = ::pwrite(fd_.get(), padded.data() + done, padded.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("cannot write '{}': {}", path_.string(), std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  size_ = padded.size();
  if (!durable) return {};
  if (::fdatasync(fd_.get()) != 0) {
    return failf("cannot fsync '{}': {}", path_.string(), std::strerror(errno));
  }
  if (!dir_synced_) {
    if (auto ok = fsync_directory(path_.parent_path()); !ok) return ok;
    dir_synced_ = true;
  }
  return {};
}

}  // namespace peranda
