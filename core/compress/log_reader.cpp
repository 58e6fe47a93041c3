// SPDX-License-Identifier: Apache-2.0
#include "core/compress/log_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace peranda {
namespace {

constexpr std::size_t k_piece = 128 * 1024;

}  // namespace

log_reader::log_reader(unique_fd fd, std::filesystem::path path, encoding enc,
                       std::uint64_t max_raw)
    : fd_(std::move(fd)), path_(std::move(path)), encoding_(enc) {
  if (enc == encoding::zstd) zstd_.emplace(max_raw);
}

result<log_reader> log_reader::open(const std::filesystem::path& path,
                                    std::optional<encoding> enc, std::uint64_t max_raw) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failf("cannot open '{}': {}", path.string(), std::strerror(errno));
  return log_reader(std::move(fd), path, enc.value_or(encoding_of(path.filename().string())),
                    max_raw);
}

result<std::string> log_reader::next() {
  std::string raw;
  std::string buf(k_piece, '\0');
  while (raw.empty() && !at_end_) {
    auto n = ::read(fd_.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("cannot read '{}': {}", path_.string(), std::strerror(errno));
    if (n == 0) {
      at_end_ = true;
      if (zstd_) {
        if (auto ok = zstd_->finish(); !ok)
          return failf("'{}': {}", path_.string(), ok.error().message);
      }
      break;
    }
    std::string_view got(buf.data(), static_cast<std::size_t>(n));
    if (!zstd_) return std::string(got);
    if (auto ok = zstd_->update(got, raw); !ok)
      return failf("'{}': {}", path_.string(), ok.error().message);
  }
  return raw;
}

result<std::string> read_log_file(const std::filesystem::path& path) {
  auto reader = log_reader::open(path);
  if (!reader) return std::unexpected(reader.error());
  std::string all;
  for (;;) {
    auto piece = reader->next();
    if (!piece) return std::unexpected(piece.error());
    if (piece->empty()) return all;
    all += *piece;
  }
}

}  // namespace peranda
