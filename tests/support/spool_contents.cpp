// SPDX-License-Identifier: Apache-2.0
#include "tests/support/spool_contents.hpp"

#include <algorithm>
#include <tuple>

#include "core/compress/log_reader.hpp"

namespace peranda::test {

std::vector<std::string> spool_records(const std::filesystem::path& spool_files) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  bool active = std::filesystem::exists(spool_files / "active.log", ec);
  for (const auto& e : std::filesystem::directory_iterator(spool_files, ec)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".part") || (active && name == "active.log.zst")) continue;
    files.push_back(e.path());
  }
  // spool-* by name (their close time), then active.log.zst, then active.log.
  std::ranges::sort(files, {}, [](const std::filesystem::path& p) {
    auto name = p.filename().string();
    return std::tuple(name == "active.log", name == "active.log.zst", name);
  });
  std::vector<std::string> out;
  for (const auto& f : files) {
    auto text = read_log_file(f);
    if (!text) continue;  // closed and removed meanwhile
    std::size_t at = 0;
    for (auto nl = text->find('\n'); nl != std::string::npos; nl = text->find('\n', at)) {
      out.push_back(text->substr(at, nl - at));
      at = nl + 1;
    }
  }
  return out;
}

}  // namespace peranda::test
