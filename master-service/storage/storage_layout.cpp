// SPDX-License-Identifier: Apache-2.0
#include "master-service/storage/storage_layout.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
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

bool has_level(std::string_view tmpl, std::string_view level) {
  for (std::size_t start = 0; start <= tmpl.size();) {
    auto slash = tmpl.find('/', start);
    if (tmpl.substr(start, slash == std::string_view::npos ? slash : slash - start) == level) {
      return true;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

// A stored name: sanitised, and never an option to a shell tool.
std::string stored_name(std::string_view file) {
  auto name = sanitize_file_name(file);
  return name.front() == '-' ? fmt::format("_{}", name) : name;
}

// rename(2) that fails with EEXIST instead of replacing `to`; link+unlink
// where the file system has no RENAME_NOREPLACE.
int rename_noreplace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

storage_layout::storage_layout(std::filesystem::path data_dir, std::string dir_template)
    : data_dir_(std::move(data_dir)),
      template_(std::move(dir_template)),
      has_node_level_(has_level(template_, "{node}")),
      has_ip_(template_.find("{ip}") != std::string::npos) {}

result<std::filesystem::path> storage_layout::final_path(std::string_view node, std::string_view ip,
                                                         std::string_view file,
                                                         std::uint64_t ms) const {
  // A stand-in folder would store the file again under the real IP later.
  if (has_ip_ && ip.empty()) return failf("the IP of node '{}' is not known yet", node);
  auto dir = expand(template_, node, ip, utc_date(ms));
  if (!has_node_level_) dir /= sanitize_file_name(node);
  return join_inside(data_dir_, dir / stored_name(file));
}

std::filesystem::path storage_layout::alternate_path(const std::filesystem::path& final,
                                                     std::string_view sha256) {
  auto out = final;
  out += ".";
  out += sha256.substr(0, 12);
  return out;
}

std::filesystem::path storage_layout::part_path(const std::filesystem::path& final,
                                                std::string_view owner, std::string_view transfer) {
  return final.parent_path() / fmt::format(".{}~{}{}", sanitize_file_name(owner),
                                           sanitize_file_name(transfer), k_part_suffix);
}

result<std::filesystem::path> storage_layout::store(const std::filesystem::path& part,
                                                    const std::filesystem::path& final,
                                                    std::string_view sha256) {
  // Bounded: a directory holding 1000 other files of this name and digest
  // is an operator's problem, reported as such.
  constexpr unsigned k_max_suffix = 1000;
  auto alternate = alternate_path(final, sha256);
  for (unsigned n = 0; n <= k_max_suffix + 1; ++n) {
    auto target = n == 0 ? final : alternate;
    if (n > 1) target += fmt::format(".{}", n - 1);
    int err = rename_noreplace(part, target);
    if (err == EEXIST) continue;
    if (err != 0) {
      return failf("cannot rename '{}' to '{}': {}", part.string(), target.string(),
                   std::strerror(err));
    }
    if (auto ok = fsync_directory(target.parent_path()); !ok) return std::unexpected(ok.error());
    return target;
  }
  return failf("'{}' and {} alternates of it exist already", final.string(), k_max_suffix + 1);
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

std::vector<std::filesystem::path> storage_layout::node_directories(std::string_view node) const {
  std::vector<std::string> levels;
  for (std::size_t start = 0; start <= template_.size();) {
    auto slash = template_.find('/', start);
    auto level = std::string_view(template_).substr(
        start, slash == std::string::npos ? slash : slash - start);
    if (!level.empty()) levels.emplace_back(level);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (!has_node_level_) levels.emplace_back("{node}");
  std::vector<std::filesystem::path> found{data_dir_};
  std::error_code ec;
  for (const auto& level : levels) {
    std::vector<std::filesystem::path> next;
    // Matched exactly: the node's own level and fixed text; any other
    // level (with {ip} or {date}) may be any folder.
    std::string exact = level == "{node}"                     ? sanitize_file_name(node)
                        : level.find('{') == std::string::npos ? sanitize_file_name(level)
                                                               : std::string();
    for (const auto& dir : found) {
      if (!exact.empty()) {
        if (std::filesystem::is_directory(dir / exact, ec)) next.push_back(dir / exact);
        continue;
      }
      for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec) &&
            !it->path().filename().string().starts_with('.')) {
          next.push_back(it->path());
        }
      }
    }
    found = std::move(next);
  }
  return found;
}

std::size_t storage_layout::remove_leftover_parts(std::string_view owner) const {
  auto own = fmt::format(".{}~", sanitize_file_name(owner));
  std::size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(data_dir_, ec), end; !ec && it != end;
       it.increment(ec)) {
    auto name = it->path().filename().string();
    bool part = name.starts_with('.') && name.ends_with(k_part_suffix);
    bool ours = name.starts_with(own) || name.find('~') == std::string::npos;
    if (part && ours && it->is_regular_file(ec)) {
      if (std::filesystem::remove(it->path(), ec)) ++removed;
    }
  }
  return removed;
}

}  // namespace peranda::master
