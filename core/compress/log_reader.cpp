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

result<log_reader> log_reader::open(const std::filesystem::path& path, std::optional<encoding> enc,
                                    std::uint64_t max_raw) {
  // O_NOFOLLOW: spool and data_dir hold only what peranda wrote; a symlink
  // there is not followed out of them.
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return failf("cannot open '{}': {}", path.string(), std::strerror(errno));
  return log_reader(std::move(fd), path, enc.value_or(encoding_of(path.filename().string())),
                    max_raw);
}

result<std::string> log_reader::next() {
  std::string piece(k_piece, '\0');
  for (;;) {
    if (zstd_ && (!input_.empty() || holding_)) {
      std::string_view in(input_);
      auto made = zstd_->read(in, piece);
      if (!made) return failf("'{}': {}", path_.string(), made.error().message);
      input_.erase(0, input_.size() - in.size());
      holding_ = *made == piece.size();
      if (*made > 0) {
        piece.resize(*made);
        return piece;
      }
    }
    if (at_end_) return std::string();
    auto n = ::read(fd_.get(), piece.data(), piece.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("cannot read '{}': {}", path_.string(), std::strerror(errno));
    if (n == 0) {
      at_end_ = true;
      if (zstd_) {
        if (auto ok = zstd_->finish(); !ok)
          return failf("'{}': {}", path_.string(), ok.error().message);
      }
      return std::string();
    }
    piece.resize(static_cast<std::size_t>(n));
    if (!zstd_) return piece;
    input_ = std::move(piece);
    piece.assign(k_piece, '\0');
  }
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
