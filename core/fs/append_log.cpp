// SPDX-License-Identifier: Apache-2.0
#include "core/fs/append_log.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "core/fs/durable_file.hpp"

namespace peranda {
namespace {

std::string errno_text() { return std::strerror(errno); }

result<unique_fd> open_for_append(const std::filesystem::path& path) {
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd) return failf("cannot open '{}': {}", path.string(), errno_text());
  return fd;
}

}  // namespace

result<append_log::opened> append_log::open(const std::filesystem::path& path) {
  if (auto ok = ensure_directory(path.parent_path()); !ok) return std::unexpected(ok.error());
  auto fd = open_for_append(path);
  if (!fd) return std::unexpected(fd.error());
  if (auto ok = fsync_directory(path.parent_path()); !ok) return std::unexpected(ok.error());
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  auto whole = text->rfind('\n');
  std::size_t keep = whole == std::string::npos ? 0 : whole + 1;
  if (keep != text->size() && ::ftruncate(fd->get(), static_cast<off_t>(keep)) != 0)
    return failf("cannot cut the torn end of '{}': {}", path.string(), errno_text());
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < keep;) {
    auto end = text->find('\n', at);
    lines.emplace_back(text->substr(at, end - at));
    at = end + 1;
  }
  return opened{append_log(path, std::move(*fd)), std::move(lines)};
}

result<void> append_log::append(std::string_view line) {
  std::string record(line);
  record += '\n';
  std::string_view rest = record;
  off_t before = ::lseek(fd_.get(), 0, SEEK_END);
  while (!rest.empty()) {
    ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      auto why = errno_text();
      // A half-written line (disk full) would glue itself to the next one.
      if (before >= 0) (void)::ftruncate(fd_.get(), before);
      return failf("cannot append to '{}': {}", path_.string(), why);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fdatasync(fd_.get()) != 0)
    return failf("cannot fdatasync '{}': {}", path_.string(), errno_text());
  return {};
}

result<void> append_log::replace(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) {
    text += l;
    text += '\n';
  }
  if (auto ok = write_file_atomic(path_, text); !ok) return ok;
  auto fd = open_for_append(path_);
  if (!fd) return std::unexpected(fd.error());
  fd_ = std::move(*fd);
  return {};
}

}  // namespace peranda
