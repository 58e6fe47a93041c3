// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/log_line_reader.hpp"

#include <algorithm>

namespace peranda::master {

result<std::unique_ptr<line_reader>> log_line_reader::open(const std::filesystem::path& path) {
  auto reader = log_reader::open(path);
  if (!reader) return std::unexpected(reader.error());
  return std::unique_ptr<line_reader>(new log_line_reader(std::move(*reader)));
}

result<bool> log_line_reader::fill() {
  buf_.erase(0, pos_);
  pos_ = 0;
  auto piece = reader_.next();
  if (!piece) return std::unexpected(piece.error());
  if (piece->empty()) {
    eof_ = true;
    return false;
  }
  buf_ += *piece;
  return true;
}

result<bool> log_line_reader::next(std::string& line) {
  bool skipping = false;  // past k_max_line_bytes of a line: drop until '\n'
  line.clear();
  while (true) {
    auto nl = buf_.find('\n', pos_);
    auto end = nl == std::string::npos ? buf_.size() : nl;
    if (!skipping) {
      auto take = std::min(end - pos_, k_max_line_bytes - line.size());
      line.append(buf_, pos_, take);
      if (line.size() == k_max_line_bytes) skipping = true;
    }
    if (nl != std::string::npos) {
      pos_ = nl + 1;
      return true;
    }
    pos_ = buf_.size();
    if (eof_) return !line.empty() || skipping;
    auto more = fill();
    if (!more) return std::unexpected(more.error());
    if (!*more) return !line.empty() || skipping;
  }
}

}  // namespace peranda::master
