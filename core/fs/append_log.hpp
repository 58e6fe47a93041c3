// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda {

// A durable file of text lines that only grows, until its owner replaces it
// with a shorter list (compaction). An append is one write and an
// fdatasync, so a record is on disk before the action it guards (e.g. a
// deletion) happens; a crash mid-append leaves a torn last line, which
// open() cuts off. Not thread-safe: one owner.
class append_log {
 public:
  struct opened;

  // Creates the file (and its folder) if missing.
  [[nodiscard]] static result<opened> open(const std::filesystem::path& path);

  // One line, or several separated by '\n' (one write, one fdatasync).
  [[nodiscard]] result<void> append(std::string_view line);
  // Atomically replaces the whole file with `lines`.
  [[nodiscard]] result<void> replace(const std::vector<std::string>& lines);

  const std::filesystem::path& path() const { return path_; }

 private:
  append_log(std::filesystem::path path, unique_fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::filesystem::path path_;
  unique_fd fd_;
};

struct append_log::opened {
  append_log log;
  std::vector<std::string> lines;  // whole lines found, oldest first
};

}  // namespace peranda
