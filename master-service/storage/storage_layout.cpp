// SPDX-License-Identifier: Apache-2.0
#include "master-service/storage/storage_layout.hpp"

#include <ctime>

#include "core/fs/durable_file.hpp"
#include "core/fs/safe_path.hpp"

namespace peranda::master {
namespace {

std::string utc_date(std::uint64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Replaces every `{name}` of the template by its sanitised value; a text
// between placeholders is sanitised per path level too.
std::filesystem::path expand(std::string_view tmpl, std::string_view node, std::string_view ip,
                             std::string_view date) {
  std::filesystem::path out;
  std::size_t start = 0;
  while (start <= tmpl.size()) {
    auto slash = tmpl.find('/', start);
    auto level = tmpl.substr(start, slash == std::string_view::npos ? slash : slash - start);
    std::string text;
    for (std::size_t i = 0; i < level.size();) {
      auto close = level.find('}', i);
      if (level[i] == '{' && close != std::string_view::npos) {
        auto name = level.substr(i + 1, close - i - 1);
        if (name == "ip")
          text += ip;
        else if (name == "node")
          text += node;
        else if (name == "date")
          text += date;
        else
          text += name;
        i = close + 1;
      } else {
        text += level[i++];
      }
    }
    if (!level.empty()) out /= sanitize_file_name(text);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace

storage_layout::storage_layout(std::filesystem::path data_dir, std::string dir_template)
    : data_dir_(std::move(data_dir)),
      template_(std::move(dir_template)),
      has_node_(template_.find("{node}") != std::string::npos),
      has_ip_(template_.find("{ip}") != std::string::npos) {}

result<std::filesystem::path> storage_layout::final_path(std::string_view node, std::string_view ip,
                                                         std::string_view file,
                                                         std::uint64_t ms) const {
  // A stand-in folder would store the file again under the real IP later.
  if (has_ip_ && ip.empty()) return failf("the IP of node '{}' is not known yet", node);
  auto dir = expand(template_, node, ip, utc_date(ms));
  std::string name = has_node_ ? std::string(file) : fmt::format("{}_{}", node, file);
  auto relative = dir / sanitize_file_name(name);
  return join_inside(data_dir_, relative);
}

std::filesystem::path storage_layout::alternate_path(const std::filesystem::path& final,
                                                     std::string_view sha256) {
  auto out = final;
  out += ".";
  out += sha256.substr(0, 12);
  return out;
}

std::filesystem::path storage_layout::part_path(const std::filesystem::path& final,
                                                std::string_view transfer) {
  auto out = final;
  out += fmt::format(".{}{}", transfer, k_part_suffix);
  return out;
}

result<void> storage_layout::ensure_durable_directory(const std::filesystem::path& dir) const {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  auto missing = dir;
  while (missing.has_parent_path() && missing.parent_path() != data_dir_ &&
         !std::filesystem::exists(missing.parent_path(), ec)) {
    missing = missing.parent_path();
  }
  if (auto ok = ensure_directory(dir); !ok) return ok;
  for (auto p = dir;; p = p.parent_path()) {
    if (auto ok = fsync_directory(p.parent_path()); !ok) return ok;
    if (p == missing) return {};
  }
}

std::size_t storage_layout::remove_leftover_parts() const {
  std::size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(data_dir_, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().filename().string().ends_with(k_part_suffix)) {
      if (std::filesystem::remove(it->path(), ec)) ++removed;
    }
  }
  return removed;
}

}  // namespace peranda::master
