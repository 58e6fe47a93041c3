// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/stored_file_list.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <tuple>

namespace peranda::master {

std::optional<std::uint64_t> spool_name_time_ms(std::string_view name) {
  constexpr std::string_view k_prefix = "spool-";
  if (!name.starts_with(k_prefix)) return std::nullopt;
  name.remove_prefix(k_prefix.size());
  std::uint64_t ms = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), ms);
  if (ec != std::errc{} || ptr == name.data() || ptr == name.data() + name.size() || *ptr != '-') {
    return std::nullopt;
  }
  return ms;
}

std::vector<stored_file> list_stored_files(const storage_layout& layout, std::string_view node) {
  std::vector<stored_file> out;
  std::error_code ec;
  for (const auto& dir : layout.node_directories(node)) {
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      auto name = it->path().filename().string();
      if (name.starts_with('.') || it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
      stored_file f{it->path(), it->file_size(ec), 0};
      if (ec) continue;  // removed meanwhile
      if (auto t = spool_name_time_ms(name)) {
        f.time_ms = *t;
      } else {
        auto mtime = std::chrono::file_clock::to_sys(it->last_write_time(ec));
        f.time_ms = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(mtime.time_since_epoch())
                .count());
      }
      out.push_back(std::move(f));
    }
  }
  std::ranges::sort(out, [](const stored_file& a, const stored_file& b) {
    return std::tie(a.time_ms, a.path) < std::tie(b.time_ms, b.path);
  });
  return out;
}

}  // namespace peranda::master
