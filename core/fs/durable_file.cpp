// SPDX-License-Identifier: Apache-2.0
#include "core/fs/durable_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs/unique_fd.hpp"

namespace peranda {
namespace {

std::string errno_text() { return std::strerror(errno); }

result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failf("cannot write '{}': {}", path.string(), errno_text());
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

result<void> fsync_directory(const std::filesystem::path& dir) {
  unique_fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return failf("cannot open directory '{}': {}", dir.string(), errno_text());
  if (::fsync(fd.get()) != 0) {
    return failf("cannot fsync directory '{}': {}", dir.string(), errno_text());
  }
  return {};
}

result<void> write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  auto tmp = path;
  tmp += ".tmp";
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd) return failf("cannot create '{}': {}", tmp.string(), errno_text());
  auto written = write_all(fd.get(), bytes, tmp);
  if (written && ::fsync(fd.get()) != 0) {
    written = failf("cannot fsync '{}': {}", tmp.string(), errno_text());
  }
  fd.reset();
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  return rename_durable(tmp, path);
}

result<void> rename_durable(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return failf("cannot rename '{}' to '{}': {}", from.string(), to.string(), errno_text());
  }
  return fsync_directory(to.parent_path());
}

result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return failf("cannot read '{}': {}", path.string(), errno_text());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return failf("read error in '{}'", path.string());
  return std::move(out).str();
}

result<void> ensure_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return failf("cannot create directory '{}': {}", dir.string(), ec.message());
  return {};
}

}  // namespace peranda
