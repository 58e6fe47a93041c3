// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/identifiers.hpp"

#include <algorithm>

#include <arpa/inet.h>

#include "core/fs/safe_path.hpp"

namespace peranda::protocol {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_node_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }
bool is_token_char(char c) { return is_alnum(c) || c == '_' || c == '-'; }

}  // namespace

result<void> validate_node_id(std::string_view id) {
  if (id.empty()) return fail("node id is empty");
  if (id.size() > 64) return failf("node id '{:.64}…' is longer than 64 characters", id);
  if (!is_alnum(id.front())) {
    return failf("node id '{}' must start with a letter or digit", id);
  }
  if (!std::ranges::all_of(id, is_node_char)) {
    return failf("node id '{}' may only contain letters, digits, '.', '_' and '-'", id);
  }
  if (id.find("..") != std::string_view::npos) return failf("node id '{}' contains '..'", id);
  return {};
}

result<void> validate_token_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || !std::ranges::all_of(id, is_token_char)) {
    return failf("id '{:.64}' must be 1-64 characters of letters, digits, '_' and '-'", id);
  }
  return {};
}

result<void> validate_file_name(std::string_view name) {
  if (is_safe_file_name(name)) return {};
  return failf("'{:.64}' is not a safe file name (1-128 of [A-Za-z0-9._-], not starting with '.')",
               name);
}

result<void> validate_sha256(std::string_view hex) {
  bool ok = hex.size() == 64 && std::ranges::all_of(hex, [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            });
  if (ok) return {};
  return failf("'{:.70}' is not 64 lower-case hex digits", hex);
}

result<void> validate_ip_address(std::string_view ip) {
  std::string s(ip);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return {};
  }
  return failf("'{:.64}' is not an IPv4 or IPv6 address", ip);
}

std::string node_id_from_hostname(std::string_view hostname) {
  std::string out;
  for (char c : hostname) {
    char mapped = is_node_char(c) ? c : '-';
    if (mapped == '.' && !out.empty() && out.back() == '.') continue;
    out.push_back(mapped);
    if (out.size() == 64) break;
  }
  auto first = std::ranges::find_if(out, is_alnum);
  out.erase(out.begin(), first);
  return out.empty() ? "node" : out;
}

}  // namespace peranda::protocol
