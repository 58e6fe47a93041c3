// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::protocol {

enum class topic_kind {
  heartbeat,      // nodes/{node}/heartbeat
  alarm,          // nodes/{node}/alarm
  alarm_ack,      // nodes/{node}/alarm/ack
  logs_request,   // nodes/{node}/logs/request
  logs_reply,     // nodes/{node}/logs/reply
  logs_ack,       // nodes/{node}/logs/ack
  upload_begin,   // nodes/{node}/logs/upload/{transfer}/begin
  upload_chunk,   // nodes/{node}/logs/upload/{transfer}/{index}
  upload_end,     // nodes/{node}/logs/upload/{transfer}/end
  master_status,  // masters/{master}/status
};

// A topic taken apart. `owner` is the node id (or the master id for
// master_status); `transfer` and `index` are set for upload topics.
struct parsed_topic {
  topic_kind kind;
  std::string owner;
  std::string transfer;
  std::uint32_t index = 0;
};

// Every topic name is built and parsed here and nowhere else. The root
// (default "peranda/v1") is fixed per process. Thread-safe (immutable).
class topic_scheme {
 public:
  static constexpr std::string_view k_default_root = "peranda/v1";
  // Chunk indexes are below this bound (and so are chunk counts).
  static constexpr std::uint32_t k_max_chunks = 1u << 24;

  // REQUIRES: validate_root(root) succeeded.
  explicit topic_scheme(std::string root = std::string(k_default_root));

  // A root is 1-128 characters, no wildcards, no empty level, no leading '$'.
  [[nodiscard]] static result<void> validate_root(std::string_view root);

  const std::string& root() const { return root_; }

  std::string heartbeat(std::string_view node) const;
  std::string alarm(std::string_view node) const;
  std::string alarm_ack(std::string_view node) const;
  std::string logs_request(std::string_view node) const;
  std::string logs_reply(std::string_view node) const;
  std::string logs_ack(std::string_view node) const;
  std::string upload_begin(std::string_view node, std::string_view transfer) const;
  std::string upload_chunk(std::string_view node, std::string_view transfer,
                           std::uint32_t index) const;
  std::string upload_end(std::string_view node, std::string_view transfer) const;
  std::string master_status(std::string_view master) const;
  // fleet/alarms/{node}: alarms a master raises about a node (published by
  // masters only; the broker's ACL refuses them from nodes).
  std::string fleet_alarm(std::string_view node) const;

  // Subscription filters. `node` may be "+" for all nodes.
  std::string all_nodes(std::string_view leaf) const;  // e.g. leaf "heartbeat"
  std::string all_uploads() const;                     // nodes/+/logs/upload/#
  std::string all_masters() const;                     // masters/+/status

  // Takes a received topic apart, validating every id in it. Refuses topics
  // outside the root, unknown shapes, invalid ids and bad chunk indexes.
  [[nodiscard]] result<parsed_topic> parse(std::string_view topic) const;

 private:
  std::string node_prefix(std::string_view node) const;
  // Constant after construction
  std::string root_;
};

}  // namespace peranda::protocol
