// SPDX-License-Identifier: Apache-2.0
#include "master-service/storage/stored_digests.hpp"

#include <sys/stat.h>

#include "core/fs/sha256.hpp"

namespace peranda::master {

std::optional<stored_digests::identity> stored_digests::identify(
    const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return identity{static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size),
                  st.st_mtim.tv_sec * 1'000'000'000ll + st.st_mtim.tv_nsec};
}

void stored_digests::store(const std::filesystem::path& path, entry e) {
  auto [it, added] = entries_.insert_or_assign(path.native(), std::move(e));
  if (added) order_.push_back(it);
  while (order_.size() > k_capacity) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

void stored_digests::remember(const std::filesystem::path& path, std::string sha256) {
  if (auto id = identify(path)) store(path, {*id, std::move(sha256)});
}

std::optional<std::string> stored_digests::digest(const std::filesystem::path& path,
                                                  std::uint64_t size) {
  auto id = identify(path);
  if (!id || id->size != size) return std::nullopt;
  if (auto it = entries_.find(path.native()); it != entries_.end() && it->second.id == *id) {
    return it->second.sha256;
  }
  ++hashed_;
  auto hash = sha256_file_hex(path);
  if (!hash) return std::nullopt;
  store(path, {*id, *hash});
  return *hash;
}

}  // namespace peranda::master
