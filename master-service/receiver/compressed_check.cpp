// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/compressed_check.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/compress/file_digests.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda::master {
namespace {

std::optional<decode_failure> check(const std::filesystem::path& part,
                                    const protocol::upload_begin& m, int out) {
  auto d = digest_log_file(part, encoding::zstd, m.raw_size, out);
  if (!d) return decode_failure{"bad_zstd", "received bytes do not decompress: " + d.error().message};
  if (d->raw_size != m.raw_size || d->raw_sha256 != m.raw_sha256) {
    return decode_failure{"raw_mismatch",
                          fmt::format("decompressed to {} bytes with sha256 {}, not the announced "
                                      "raw_size {} and raw_sha256",
                                      d->raw_size, d->raw_sha256, m.raw_size)};
  }
  if (out >= 0 && ::fsync(out) != 0)
    return decode_failure{"storage_error", fmt::format("cannot fsync: {}", std::strerror(errno))};
  return std::nullopt;
}

}  // namespace

std::optional<decode_failure> verify_compressed(
    const std::filesystem::path& part, const protocol::upload_begin& m,
    const std::optional<std::filesystem::path>& plain_out) {
  if (!plain_out) return check(part, m, -1);
  unique_fd out(::open(plain_out->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!out) {
    return decode_failure{"storage_error", fmt::format("master cannot write '{}': {}",
                                                       plain_out->string(), std::strerror(errno))};
  }
  auto failed = check(part, m, out.get());
  if (failed) {
    std::error_code ec;
    std::filesystem::remove(*plain_out, ec);
  }
  return failed;
}

}  // namespace peranda::master
