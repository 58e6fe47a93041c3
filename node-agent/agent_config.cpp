// SPDX-License-Identifier: Apache-2.0
#include "node-agent/agent_config.hpp"

#include <vector>

#include "core/compress/zstd_stream.hpp"
#include "core/config/key_table.hpp"

#include "core/net/host_info.hpp"
#include "core/protocol/identifiers.hpp"
#include "node-agent/rules/rule_config.hpp"

namespace peranda::agent {
namespace {

using agent_key = config_key<agent_config>;
constexpr std::uint64_t k_second_ms = 1000;

result<void> validate_compression(std::string_view text) {
  if (text == "zstd" || text == "none") return {};
  return failf("'{:.40}' is not \"zstd\" or \"none\"", text);
}

constexpr agent_key k_agent_keys[] = {
    {{"agent", "node_id", key_type::string, "host name",
      "This node's id: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`; also its MQTT client id."},
     &agent_config::node_id, {}, protocol::validate_node_id},
    {{"agent", "ip", key_type::string, "primary IPv4",
      "Address reported in the heartbeat; the master stores files under it."},
     &agent_config::ip, {}, protocol::validate_ip_address},
    {{"agent", "spool_dir", key_type::string, "",
      "Where collected logs, offsets, the alarm outbox and state live."},
     &agent_config::spool_dir, {}, absolute_path},
    {{"agent", "heartbeat_interval", key_type::duration, "",
      "How often the retained heartbeat is refreshed."},
     &agent_config::heartbeat_interval, {100}},
    {{"agent", "spool_rotate_bytes", key_type::bytes, "",
      "The active spool file is closed when it would grow past this size."},
     &agent_config::spool_rotate_bytes, {4096}},
    {{"agent", "spool_rotate_age", key_type::duration, "",
      "The active spool file is closed when it is this old."},
     &agent_config::spool_rotate_age, {k_second_ms}},
    {{"agent", "spool_max_bytes", key_type::bytes, "",
      "Cap on the spool (>= spool_rotate_bytes): past it the oldest closed files are deleted "
      "(logged, counted)."},
     &agent_config::spool_max_bytes},
    {{"agent", "compression", key_type::string, "",
      "`zstd`: closed spool files are `spool-....log.zst`, compressed while written (a tenth "
      "of the bytes on disk, on the wire and on the master); `none`: plain `.log`."},
     &agent_config::compression, {}, validate_compression},
    {{"agent", "compression_level", key_type::integer, "",
      "zstd level, 1 (fast, ~10x on logs) to 19 (slow, smaller)."},
     &agent_config::compression_level, {k_min_zstd_level, k_max_zstd_level}},
    {{"agent", "max_line_bytes", key_type::bytes, "",
      "Longer lines from a source are split into pieces of this size."},
     &agent_config::max_line_bytes, {256, 1u << 20}},
    {{"agent", "alarm_outbox_max", key_type::integer, "",
      "Alarms kept on disk until the broker acknowledges them; past it the oldest is dropped."},
     &agent_config::alarm_outbox_max, {1, 1'000'000}},
    {{"agent", "alarm_resend_after", key_type::duration, "",
      "An alarm no master confirmed for this long (while one is online) is published again; "
      "the wait doubles per round up to 16x."},
     &agent_config::alarm_resend_after, {k_second_ms}},
    {{"agent", "health_alarm_wait", key_type::duration, "",
      "The agent reports itself degraded (`alarms_waiting`, in its heartbeat and systemd "
      "status) while an alarm has waited this long in the outbox unconfirmed."},
     &agent_config::health_alarm_wait, {k_second_ms}},
    {{"agent", "ack_timeout", key_type::duration, "",
      "Upload: no ack for this long while chunks are outstanding -> resend from `next`."},
     &agent_config::ack_timeout, {100}},
    {{"agent", "upload_retries", key_type::integer, "",
      "Upload: resend rounds without any ack before the transfer is given up (file kept)."},
     &agent_config::upload_retries, {1, 1000}},
    {{"agent", "masters", key_type::string_list, "[] (any)",
      "Master ids this node serves: other masters' requests are answered `failed`, their logs "
      "and alarm acks ignored (counted). See docs/agent.md on what an id proves."},
     &agent_config::masters, {}, protocol::validate_node_id},
};

const std::vector<key_spec>& all_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out(broker_keys().begin(), broker_keys().end());
    describe_defaults<agent_config>(out, k_agent_keys);
    out.insert(out.end(), source_keys().begin(), source_keys().end());
    out.insert(out.end(), rule_keys().begin(), rule_keys().end());
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
  if (auto ok = load_keys<agent_config>(a, k_agent_keys, c); !ok) {
    return std::unexpected(ok.error());
  }
  auto node_id = [] { return protocol::node_id_from_hostname(host_name()); };
  if (auto ok = compute_default(a, "node_id", c.node_id, node_id, protocol::validate_node_id); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = compute_default(a, "ip", c.ip, primary_ipv4, protocol::validate_ip_address); !ok) {
    return std::unexpected(ok.error());
  }
  if (c.spool_max_bytes < c.spool_rotate_bytes) {
    return std::unexpected(a.error_at("spool_max_bytes", "must be at least spool_rotate_bytes"));
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
