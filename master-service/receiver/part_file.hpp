// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda::master {

// The temporary file of one transfer: created empty (any older file of the
// same name is replaced), written at offsets, fsynced, then renamed by the
// caller. Owns its descriptor; removes the file on discard(). Not
// thread-safe; movable.
class part_file {
 public:
  [[nodiscard]] static result<part_file> create(const std::filesystem::path& path);

  part_file(part_file&&) noexcept = default;
  part_file& operator=(part_file&&) noexcept = default;

  [[nodiscard]] result<void> write_at(std::uint64_t offset, std::string_view bytes);
  // fsyncs and closes; the file stays for the caller to verify and rename.
  [[nodiscard]] result<void> sync_and_close();
  // Closes and deletes the file (abandoned or rejected transfer).
  void discard();

  const std::filesystem::path& path() const { return path_; }

 private:
  part_file(std::filesystem::path path, unique_fd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}

  std::filesystem::path path_;
  unique_fd fd_;
};

}  // namespace peranda::master
