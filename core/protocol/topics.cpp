// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/topics.hpp"

#include <charconv>
#include <vector>

#include "core/protocol/identifiers.hpp"

namespace peranda::protocol {
namespace {

std::vector<std::string_view> split_levels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

result<std::uint32_t> parse_index(std::string_view level) {
  if (level.empty() || level.size() > 8 || (level.size() > 1 && level.front() == '0')) {
    return failf("chunk index '{:.16}' is not a canonical decimal number", level);
  }
  std::uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(level.data(), level.data() + level.size(), value);
  if (ec != std::errc{} || ptr != level.data() + level.size()) {
    return failf("chunk index '{:.16}' is not a number", level);
  }
  if (value >= topic_scheme::k_max_chunks) return failf("chunk index {} is too large", value);
  return value;
}

}  // namespace

topic_scheme::topic_scheme(std::string root) : root_(std::move(root)) {}

result<void> topic_scheme::validate_root(std::string_view root) {
  if (root.empty() || root.size() > 128) return fail("topic root must be 1-128 characters");
  if (root.front() == '$') return failf("topic root '{}' may not start with '$'", root);
  if (root.find_first_of("+#") != std::string_view::npos || root.find('\0') != root.npos) {
    return failf("topic root '{}' may not contain '+', '#' or NUL", root);
  }
  for (auto level : split_levels(root)) {
    if (level.empty()) return failf("topic root '{}' has an empty level", root);
  }
  return {};
}

std::string topic_scheme::node_prefix(std::string_view node) const {
  return fmt::format("{}/nodes/{}/", root_, node);
}
std::string topic_scheme::heartbeat(std::string_view node) const {
  return node_prefix(node) + "heartbeat";
}
std::string topic_scheme::alarm(std::string_view node) const { return node_prefix(node) + "alarm"; }
std::string topic_scheme::logs_request(std::string_view node) const {
  return node_prefix(node) + "logs/request";
}
std::string topic_scheme::logs_reply(std::string_view node) const {
  return node_prefix(node) + "logs/reply";
}
std::string topic_scheme::alarm_ack(std::string_view node) const {
  return node_prefix(node) + "alarm/ack";
}
std::string topic_scheme::logs_ack(std::string_view node) const {
  return node_prefix(node) + "logs/ack";
}
std::string topic_scheme::upload_begin(std::string_view node, std::string_view transfer) const {
  return fmt::format("{}logs/upload/{}/begin", node_prefix(node), transfer);
}
std::string topic_scheme::upload_chunk(std::string_view node, std::string_view transfer,
                                       std::uint32_t index) const {
  return fmt::format("{}logs/upload/{}/{}", node_prefix(node), transfer, index);
}
std::string topic_scheme::upload_end(std::string_view node, std::string_view transfer) const {
  return fmt::format("{}logs/upload/{}/end", node_prefix(node), transfer);
}
std::string topic_scheme::master_status(std::string_view master) const {
  return fmt::format("{}/masters/{}/status", root_, master);
}
std::string topic_scheme::fleet_alarm(std::string_view node) const {
  return fmt::format("{}/fleet/alarms/{}", root_, node);
}
std::string topic_scheme::all_nodes(std::string_view leaf) const {
  return fmt::format("{}/nodes/+/{}", root_, leaf);
}
std::string topic_scheme::all_uploads() const { return root_ + "/nodes/+/logs/upload/#"; }
std::string topic_scheme::all_masters() const { return root_ + "/masters/+/status"; }

result<parsed_topic> topic_scheme::parse(std::string_view topic) const {
  if (topic.size() <= root_.size() + 1 || !topic.starts_with(root_) ||
      topic[root_.size()] != '/') {
    return failf("topic '{:.200}' is outside root '{}'", topic, root_);
  }
  auto levels = split_levels(topic.substr(root_.size() + 1));
  auto shape_error = [&] { return failf("topic '{:.200}' has an unknown shape", topic); };
  if (levels.size() < 3) return shape_error();

  parsed_topic out{};
  out.owner = std::string(levels[1]);
  if (auto ok = validate_node_id(levels[1]); !ok) {
    return failf("topic '{:.200}': {}", topic, ok.error().message);
  }
  if (levels[0] == "masters") {
    if (levels.size() != 3 || levels[2] != "status") return shape_error();
    out.kind = topic_kind::master_status;
    return out;
  }
  if (levels[0] != "nodes") return shape_error();
  if (levels.size() == 3) {
    if (levels[2] == "heartbeat") out.kind = topic_kind::heartbeat;
    else if (levels[2] == "alarm") out.kind = topic_kind::alarm;
    else return shape_error();
    return out;
  }
  if (levels.size() == 4 && levels[2] == "alarm" && levels[3] == "ack") {
    out.kind = topic_kind::alarm_ack;
    return out;
  }
  if (levels[2] != "logs") return shape_error();
  if (levels.size() == 4) {
    if (levels[3] == "request") out.kind = topic_kind::logs_request;
    else if (levels[3] == "reply") out.kind = topic_kind::logs_reply;
    else if (levels[3] == "ack") out.kind = topic_kind::logs_ack;
    else return shape_error();
    return out;
  }
  if (levels.size() != 6 || levels[3] != "upload") return shape_error();
  if (auto ok = validate_token_id(levels[4]); !ok) {
    return failf("topic '{:.200}': transfer {}", topic, ok.error().message);
  }
  out.transfer = std::string(levels[4]);
  if (levels[5] == "begin") {
    out.kind = topic_kind::upload_begin;
  } else if (levels[5] == "end") {
    out.kind = topic_kind::upload_end;
  } else {
    auto index = parse_index(levels[5]);
    if (!index) return failf("topic '{:.200}': {}", topic, index.error().message);
    out.kind = topic_kind::upload_chunk;
    out.index = *index;
  }
  return out;
}

}  // namespace peranda::protocol
