// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace peranda::master {

// The sha256 of stored files, remembered when a file is stored (or read
// once), so that a begin naming a stored file costs a stat, not a re-read:
// 300 begins for a 64 MiB file once stalled every upload for 13 s. An entry
// holds while the file keeps its inode, size and mtime. Bounded (oldest out).
// Not thread-safe: the receiver's upload thread owns it.
class stored_digests {
 public:
  static constexpr std::size_t k_capacity = 100'000;

  // `hashed` counts every file read to learn its digest.
  explicit stored_digests(std::atomic<std::uint64_t>& hashed) : hashed_(hashed) {}

  // `path` was just stored with this digest.
  void remember(const std::filesystem::path& path, std::string sha256);
  // The digest of `path` if it is a regular file of `size` bytes: the
  // remembered one, else read now (counted). nullopt otherwise.
  std::optional<std::string> digest(const std::filesystem::path& path, std::uint64_t size);

 private:
  struct identity {
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const identity&) const = default;
  };
  struct entry {
    identity id;
    std::string sha256;
  };
  static std::optional<identity> identify(const std::filesystem::path& path);
  void store(const std::filesystem::path& path, entry e);

  std::atomic<std::uint64_t>& hashed_;
  // By path.native(): a std::filesystem::path key also holds a list of its
  // components, which made this map ~900 bytes per file (100,000 of them at
  // capacity; docs/benchmarks.md).
  using map = std::map<std::string, entry, std::less<>>;
  map entries_;
  std::deque<map::iterator> order_;  // oldest first
};

}  // namespace peranda::master
