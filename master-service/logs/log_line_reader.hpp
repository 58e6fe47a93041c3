// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/compress/log_reader.hpp"
#include "master-service/logs/line_reader.hpp"

namespace peranda::master {

// A line_reader over a stored file, plain or `.zst` (by its name): the
// bytes come decoded from log_reader a bounded piece at a time.
class log_line_reader final : public line_reader {
 public:
  [[nodiscard]] static result<std::unique_ptr<line_reader>> open(const std::filesystem::path& path);

  [[nodiscard]] result<bool> next(std::string& line) override;

 private:
  explicit log_line_reader(log_reader reader) : reader_(std::move(reader)) {}
  [[nodiscard]] result<bool> fill();

  log_reader reader_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace peranda::master
