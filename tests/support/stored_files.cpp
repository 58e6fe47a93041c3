// SPDX-License-Identifier: Apache-2.0
#include "tests/support/stored_files.hpp"

#include <fstream>
#include <iterator>

#include "core/compress/log_reader.hpp"

namespace peranda::test {

std::vector<std::filesystem::path> stored_files(const std::filesystem::path& data_dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(data_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    // Stored names never start with '.': those are partial files and the
    // master's own state (store id, unconfirmed ledger).
    auto name = it->path().filename().string();
    if (it->is_regular_file() && !name.starts_with('.') && name != "alarms.jsonl") {
      out.push_back(it->path());
    }
  }
  return out;
}

std::string read_all(const std::filesystem::path& path) {
  if (encoding_of(path.filename().string()) == encoding::zstd) {
    auto raw = read_log_file(path);
    return raw ? *raw : std::string();
  }
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace peranda::test
