// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace peranda::master {

// The temporary file of one transfer: created empty (any older file of the
// same name is replaced), written at offsets, fsynced, then renamed by the
// caller. Owns its descriptor; removes the file on discard(). Not
// thread-safe; movable.
class part_file {
 public:
  [[nodiscard]] static result<part_file> create(const std::filesystem::path& path);

  part_file(part_file&& other) noexcept;
  part_file& operator=(part_file&& other) noexcept;
  ~part_file();

  [[nodiscard]] result<void> write_at(std::uint64_t offset, std::string_view bytes);
  // fsyncs and closes; the file stays for the caller to verify and rename.
  [[nodiscard]] result<void> sync_and_close();
  // Closes and deletes the file (abandoned or rejected transfer).
  void discard();

  const std::filesystem::path& path() const { return path_; }

 private:
  part_file(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  void close_fd();

  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace peranda::master
