// SPDX-License-Identifier: Apache-2.0
#include "core/compress/file_digests.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/compress/zstd_stream.hpp"
#include "core/fs/sha256.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda {
namespace {

constexpr std::size_t k_piece = 128 * 1024;

result<void> write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("cannot write: {}", std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

result<file_digests> digest_log_file(const std::filesystem::path& path, encoding enc,
                                     std::uint64_t max_raw, int raw_out) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failf("cannot open '{}': {}", path.string(), std::strerror(errno));
  std::optional<zstd_decompressor> zstd;
  if (enc == encoding::zstd) zstd.emplace(max_raw);
  sha256 stored, raw_hash;
  file_digests d;
  std::string buf(k_piece, '\0');
  // Raw bytes are hashed (and written) a piece at a time: a small input
  // claiming gigabytes never needs more memory than this.
  std::string raw(k_piece, '\0');
  auto take_raw = [&](std::string_view plain) -> result<void> {
    raw_hash.update(plain);
    d.raw_size += plain.size();
    if (raw_out >= 0) return write_all(raw_out, plain);
    return {};
  };
  for (;;) {
    auto n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("cannot read '{}': {}", path.string(), std::strerror(errno));
    if (n == 0) break;
    std::string_view got(buf.data(), static_cast<std::size_t>(n));
    stored.update(got);
    d.size += got.size();
    if (!zstd) {
      if (d.size > max_raw) return failf("'{}' holds more than {} bytes", path.string(), max_raw);
      if (auto ok = take_raw(got); !ok) return std::unexpected(ok.error());
      continue;
    }
    for (;;) {
      auto made = zstd->read(got, raw);
      if (!made) return std::unexpected(made.error());
      if (auto ok = take_raw(std::string_view(raw.data(), *made)); !ok) {
        return std::unexpected(ok.error());
      }
      if (got.empty() && *made < raw.size()) break;
    }
  }
  if (zstd) {
    if (auto ok = zstd->finish(); !ok) return std::unexpected(ok.error());
  }
  d.sha256 = stored.finish_hex();
  d.raw_sha256 = raw_hash.finish_hex();
  return d;
}

}  // namespace peranda
