// SPDX-License-Identifier: Apache-2.0
#include "broker-plugin/broker_policy.hpp"

#include <algorithm>

namespace peranda::broker {
namespace {

// One topic level: non-empty, without '/' (a published topic has no
// wildcards; the broker refuses those).
bool is_level(std::string_view s) { return !s.empty() && s.find('/') == std::string_view::npos; }

// If `topic` is `<root>/<kind>/<name>/<leaf>`, returns name; else "".
std::string_view name_in(std::string_view topic, std::string_view root, std::string_view kind,
                         std::string_view leaf) {
  auto prefix_ok =
      topic.size() > root.size() + 1 && topic.starts_with(root) && topic[root.size()] == '/';
  if (!prefix_ok) return {};
  topic.remove_prefix(root.size() + 1);
  if (!topic.starts_with(kind) || topic.size() <= kind.size() || topic[kind.size()] != '/') {
    return {};
  }
  topic.remove_prefix(kind.size() + 1);
  auto slash = topic.find('/');
  if (slash == std::string_view::npos || topic.substr(slash + 1) != leaf) return {};
  auto name = topic.substr(0, slash);
  return is_level(name) ? name : std::string_view{};
}

bool valid_root(std::string_view root) {
  return !root.empty() && root.front() != '/' && root.back() != '/' &&
         root.find_first_of("+#") == std::string_view::npos &&
         root.find("//") == std::string_view::npos;
}

bool valid_user(std::string_view user) {
  auto ok = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  return !user.empty() && user.size() <= 64 && std::ranges::all_of(user, ok);
}

}  // namespace

bool client_id_allowed(std::string_view user, std::string_view client_id) {
  if (user.empty() || !client_id.starts_with(user)) return false;
  return client_id.size() == user.size() || client_id[user.size()] == ':';
}

bool retain_allowed(const retain_policy& policy, std::string_view user, std::string_view topic,
                    std::size_t payload_bytes) {
  if (payload_bytes == 0) return true;
  if (payload_bytes > k_max_retained_bytes || user.empty()) return false;
  const std::string_view root = policy.topic_root;
  auto node = name_in(topic, root, "nodes", "heartbeat");
  if (node == user) return true;
  if (!node.empty() && std::ranges::find(policy.edge_users, user) != policy.edge_users.end()) {
    return true;
  }
  return name_in(topic, root, "masters", "status") == user ||
         name_in(topic, root, "bridges", "state") == user;
}

std::expected<retain_policy, std::string> parse_options(
    const std::vector<std::pair<std::string, std::string>>& options) {
  retain_policy policy;
  for (const auto& [key, value] : options) {
    if (key == "topic_root") {
      if (!valid_root(value)) {
        return std::unexpected("plugin_opt_topic_root '" + value +
                               "' is not a topic root (no '+', '#', empty level or "
                               "leading/trailing '/')");
      }
      policy.topic_root = value;
    } else if (key == "edge_users") {
      std::string_view rest = value;
      while (!rest.empty()) {
        auto end = rest.find_first_of(" ,\t");
        auto name = rest.substr(0, end);
        if (!name.empty()) {
          if (!valid_user(name)) {
            return std::unexpected("plugin_opt_edge_users: '" + std::string(name) +
                                   "' is not a user name ([A-Za-z0-9._-]{1,64})");
          }
          policy.edge_users.emplace_back(name);
        }
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      }
    } else {
      return std::unexpected("unknown option plugin_opt_" + key +
                             " (known: topic_root, edge_users)");
    }
  }
  return policy;
}

std::string printable(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (auto& c : out) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) c = '?';
  }
  return out;
}

bool log_this_occurrence(std::uint64_t count) {
  while (count >= 10 && count % 10 == 0) count /= 10;
  return count == 1;
}

}  // namespace peranda::broker
