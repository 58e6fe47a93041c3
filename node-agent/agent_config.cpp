// SPDX-License-Identifier: Apache-2.0
#include "node-agent/agent_config.hpp"

#include <vector>

#include "core/net/host_info.hpp"
#include "core/protocol/identifiers.hpp"

namespace peranda::agent {
namespace {

constexpr key_spec k_agent_keys[] = {
    {"agent", "node_id", key_type::string, "host name",
     "This node's id: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`; also its MQTT client id."},
    {"agent", "ip", key_type::string, "primary IPv4",
     "Address reported in the heartbeat; the master stores files under it."},
    {"agent", "spool_dir", key_type::string, "/var/lib/peranda/spool",
     "Where collected logs, offsets, the alarm outbox and state live."},
    {"agent", "heartbeat_interval", key_type::duration, "10s",
     "How often the retained heartbeat is refreshed."},
};

const std::vector<key_spec>& all_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out(broker_keys().begin(), broker_keys().end());
    out.insert(out.end(), std::begin(k_agent_keys), std::end(k_agent_keys));
    return out;
  }();
  return keys;
}

}  // namespace

std::span<const key_spec> agent_keys() { return all_keys(); }

result<agent_config> build_agent_config(const config_document& doc) {
  agent_config c;
  auto broker = load_broker_settings(doc.section("broker"));
  if (!broker) return std::unexpected(broker.error());
  c.broker = std::move(*broker);

  const auto& a = doc.section("agent");
  c.node_id = a.string_or("node_id", protocol::node_id_from_hostname(host_name()));
  if (auto ok = protocol::validate_node_id(c.node_id); !ok) {
    return std::unexpected(a.error_at("node_id", ok.error().message));
  }
  c.ip = a.string_or("ip", primary_ipv4());
  if (auto ok = protocol::validate_ip_address(c.ip); !ok) {
    return std::unexpected(a.error_at("ip", ok.error().message));
  }
  c.spool_dir = a.string_or("spool_dir", c.spool_dir.string());
  if (c.spool_dir.empty() || c.spool_dir.is_relative()) {
    return std::unexpected(a.error_at("spool_dir", "must be an absolute path"));
  }
  c.heartbeat_interval = a.duration_or("heartbeat_interval", c.heartbeat_interval);
  if (c.heartbeat_interval < std::chrono::milliseconds(100)) {
    return std::unexpected(a.error_at("heartbeat_interval", "must be at least 100ms"));
  }
  return c;
}

result<agent_config> load_agent_config(const std::filesystem::path& path) {
  auto doc = config_document::load(path, agent_keys());
  if (!doc) return std::unexpected(doc.error());
  return build_agent_config(*doc);
}

}  // namespace peranda::agent
