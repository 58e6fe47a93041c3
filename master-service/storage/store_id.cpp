// SPDX-License-Identifier: Apache-2.0
#include "master-service/storage/store_id.hpp"

#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "core/fs/durable_file.hpp"
#include "core/protocol/messages/file_confirmation.hpp"
#include "core/runtime/random_hex.hpp"

namespace peranda::master {
namespace {

constexpr const char* k_name = ".peranda-store-id";

result<std::string> read_id(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return text;
  if (auto ok = protocol::validate_store_id(*text); !ok)
    return failf("{}: {}", file.string(), ok.error().message);
  return text;
}

}  // namespace

result<std::string> load_or_create_store_id(const std::filesystem::path& data_dir) {
  auto file = data_dir / k_name;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return read_id(file);
  auto id = random_hex(16);
  if (!id) return id;
  if (auto ok = ensure_directory(data_dir); !ok) return std::unexpected(ok.error());
  // Written aside and linked into place: of two masters starting on one
  // shared data_dir, the first link wins and both read the winner's id.
  auto tmp = data_dir / fmt::format("{}.{}.tmp", k_name, ::getpid());
  if (auto ok = write_file_atomic(tmp, *id); !ok) return std::unexpected(ok.error());
  int linked = ::link(tmp.c_str(), file.c_str());
  int err = errno;
  std::filesystem::remove(tmp, ec);
  if (linked != 0 && err != EEXIST)
    return failf("cannot create '{}': {}", file.string(), std::strerror(err));
  if (auto ok = fsync_directory(data_dir); !ok) return std::unexpected(ok.error());
  return read_id(file);
}

}  // namespace peranda::master
