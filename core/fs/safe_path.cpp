// SPDX-License-Identifier: Apache-2.0
#include "core/fs/safe_path.hpp"

#include <algorithm>

namespace peranda {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

bool is_safe_file_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && name.front() != '.' &&
         std::ranges::all_of(name, is_name_char);
}

std::string sanitize_file_name(std::string_view name) {
  std::string out;
  for (char c : name) out.push_back(is_name_char(c) ? c : '_');
  auto first = out.find_first_not_of('.');
  out.erase(0, first == std::string::npos ? out.size() : first);
  if (out.size() > 128) out.resize(128);
  return out.empty() ? "_" : out;
}

result<std::filesystem::path> join_inside(const std::filesystem::path& base,
                                          const std::filesystem::path& relative) {
  if (relative.empty() || relative.is_absolute() || relative.has_root_name()) {
    return failf("path '{}' must be relative to '{}'", relative.string(), base.string());
  }
  for (const auto& part : relative) {
    if (part == ".." || part == ".") {
      return failf("path '{}' may not contain '.' or '..' components", relative.string());
    }
  }
  auto joined = (base / relative).lexically_normal();
  auto rel = joined.lexically_relative(base.lexically_normal());
  if (rel.empty() || *rel.begin() == "..") {
    return failf("path '{}' escapes '{}'", relative.string(), base.string());
  }
  return joined;
}

}  // namespace peranda
