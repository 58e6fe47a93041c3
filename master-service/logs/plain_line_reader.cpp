// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/plain_line_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace peranda::master {
namespace {

constexpr std::size_t k_read_bytes = 64 * 1024;

}  // namespace

result<std::unique_ptr<line_reader>> plain_line_reader::open(const std::filesystem::path& path) {
  // O_NOFOLLOW: data_dir holds only what the master wrote; a symlink there
  // is not followed out of it.
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return failf("cannot open '{}': {}", path.string(), std::strerror(errno));
  return std::unique_ptr<line_reader>(new plain_line_reader(std::move(fd), path));
}

result<bool> plain_line_reader::fill() {
  buf_.erase(0, pos_);
  pos_ = 0;
  auto old = buf_.size();
  buf_.resize(old + k_read_bytes);
  ssize_t n;
  do {
    n = ::read(fd_.get(), buf_.data() + old, k_read_bytes);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    buf_.resize(old);
    return failf("cannot read '{}': {}", path_.string(), std::strerror(errno));
  }
  buf_.resize(old + static_cast<std::size_t>(n));
  if (n == 0) eof_ = true;
  return n > 0;
}

result<bool> plain_line_reader::next(std::string& line) {
  bool skipping = false;  // past k_max_line_bytes of a line: drop until '\n'
  line.clear();
  while (true) {
    auto nl = buf_.find('\n', pos_);
    auto end = nl == std::string::npos ? buf_.size() : nl;
    if (!skipping) {
      auto take = std::min(end - pos_, k_max_line_bytes - line.size());
      line.append(buf_, pos_, take);
      if (line.size() == k_max_line_bytes) skipping = true;
    }
    if (nl != std::string::npos) {
      pos_ = nl + 1;
      return true;
    }
    pos_ = buf_.size();
    if (eof_) return !line.empty() || skipping;
    auto more = fill();
    if (!more) return std::unexpected(more.error());
    if (!*more) return !line.empty() || skipping;
  }
}

}  // namespace peranda::master
