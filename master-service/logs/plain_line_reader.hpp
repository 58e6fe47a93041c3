// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/fs/unique_fd.hpp"
#include "master-service/logs/line_reader.hpp"

namespace peranda::master {

// A line_reader over an uncompressed file, buffered (64 KiB reads).
class plain_line_reader final : public line_reader {
 public:
  [[nodiscard]] static result<std::unique_ptr<line_reader>> open(
      const std::filesystem::path& path);

  [[nodiscard]] result<bool> next(std::string& line) override;

 private:
  plain_line_reader(unique_fd fd, std::filesystem::path path)
      : fd_(std::move(fd)), path_(std::move(path)) {}
  [[nodiscard]] result<bool> fill();

  unique_fd fd_;
  std::filesystem::path path_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace peranda::master
