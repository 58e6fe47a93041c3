// SPDX-License-Identifier: Apache-2.0
#include "node-agent/agent_config.hpp"

#include <vector>

#include "core/net/host_info.hpp"
#include "core/protocol/identifiers.hpp"
#include "node-agent/rules/rule_config.hpp"

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
    {"agent", "spool_rotate_bytes", key_type::bytes, "16MiB",
     "The active spool file is closed when it would grow past this size."},
    {"agent", "spool_rotate_age", key_type::duration, "1h",
     "The active spool file is closed when it is this old."},
    {"agent", "spool_max_bytes", key_type::bytes, "1GiB",
     "Cap on the spool: past it the oldest closed files are deleted (logged, counted)."},
    {"agent", "max_line_bytes", key_type::bytes, "16KiB",
     "Longer lines from a source are split into pieces of this size."},
    {"agent", "alarm_outbox_max", key_type::integer, "10000",
     "Alarms kept on disk until the broker acknowledges them; past it the oldest is dropped."},
    {"agent", "alarm_resend_after", key_type::duration, "30s",
     "An alarm no master confirmed for this long (while one is online) is published again; "
     "the wait doubles per round up to 16x."},
    {"agent", "ack_timeout", key_type::duration, "10s",
     "Upload: no ack for this long while chunks are outstanding -> resend from `next`."},
    {"agent", "upload_retries", key_type::integer, "5",
     "Upload: resend rounds without any ack before the transfer is given up (file kept)."},
    {"agent", "masters", key_type::string_list, "[] (any)",
     "Master ids this node serves: other masters' requests are answered `failed`, their logs "
     "and alarm acks ignored (counted). See docs/agent.md on what an id proves."},
};

const std::vector<key_spec>& all_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out(broker_keys().begin(), broker_keys().end());
    out.insert(out.end(), std::begin(k_agent_keys), std::end(k_agent_keys));
    out.insert(out.end(), source_keys().begin(), source_keys().end());
    out.insert(out.end(), rule_keys().begin(), rule_keys().end());
    return out;
  }();
  return keys;
}

// Spool, alarm and upload limits of [agent].
result<void> load_limits(const config_section& a, agent_config& c) {
  c.spool_rotate_bytes = a.bytes_or("spool_rotate_bytes", c.spool_rotate_bytes);
  if (c.spool_rotate_bytes < 4096) {
    return std::unexpected(a.error_at("spool_rotate_bytes", "must be at least 4KiB"));
  }
  c.spool_rotate_age = a.duration_or("spool_rotate_age", c.spool_rotate_age);
  if (c.spool_rotate_age < std::chrono::seconds(1)) {
    return std::unexpected(a.error_at("spool_rotate_age", "must be at least 1s"));
  }
  c.spool_max_bytes = a.bytes_or("spool_max_bytes", c.spool_max_bytes);
  if (c.spool_max_bytes < c.spool_rotate_bytes) {
    return std::unexpected(a.error_at("spool_max_bytes", "must be at least spool_rotate_bytes"));
  }
  c.max_line_bytes = a.bytes_or("max_line_bytes", c.max_line_bytes);
  if (c.max_line_bytes < 256 || c.max_line_bytes > (1u << 20)) {
    return std::unexpected(a.error_at("max_line_bytes", "must be between 256 bytes and 1MiB"));
  }
  auto outbox = a.integer_or("alarm_outbox_max", static_cast<std::int64_t>(c.alarm_outbox_max));
  if (outbox < 1 || outbox > 1'000'000) {
    return std::unexpected(a.error_at("alarm_outbox_max", "must be 1 .. 1000000"));
  }
  c.alarm_outbox_max = static_cast<std::uint64_t>(outbox);
  c.alarm_resend_after = a.duration_or("alarm_resend_after", c.alarm_resend_after);
  if (c.alarm_resend_after < std::chrono::seconds(1)) {
    return std::unexpected(a.error_at("alarm_resend_after", "must be at least 1s"));
  }
  c.ack_timeout = a.duration_or("ack_timeout", c.ack_timeout);
  if (c.ack_timeout < std::chrono::milliseconds(100)) {
    return std::unexpected(a.error_at("ack_timeout", "must be at least 100ms"));
  }
  auto retries = a.integer_or("upload_retries", c.upload_retries);
  if (retries < 1 || retries > 1000) {
    return std::unexpected(a.error_at("upload_retries", "must be 1 .. 1000"));
  }
  c.upload_retries = static_cast<std::uint32_t>(retries);
  return {};
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
  if (auto ok = load_limits(a, c); !ok) return std::unexpected(ok.error());
  c.masters = a.list_or("masters", {});
  for (const auto& m : c.masters) {
    if (auto ok = protocol::validate_node_id(m); !ok) {
      return std::unexpected(a.error_at("masters", "'" + m + "': " + ok.error().message));
    }
  }

  auto sources =
      load_sources(doc.array("source"), std::filesystem::path(doc.file()).parent_path());
  if (!sources) return std::unexpected(sources.error());
  c.sources = std::move(*sources);
  std::vector<std::string> names;
  for (const auto& s : c.sources) names.push_back(s.name);
  auto rules = load_rules(doc.array("rule"), names);
  if (!rules) return std::unexpected(rules.error());
  c.rules = std::move(*rules);
  return c;
}

result<agent_config> load_agent_config(const std::filesystem::path& path) {
  auto doc = config_document::load(path, agent_keys());
  if (!doc) return std::unexpected(doc.error());
  return build_agent_config(*doc);
}

}  // namespace peranda::agent
