// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/config/broker_settings.hpp"
#include "core/config/config_document.hpp"
#include "core/error.hpp"
#include "node-agent/rules/rule_engine.hpp"
#include "node-agent/sources/source_config.hpp"

namespace peranda::agent {

// Everything peranda-agent reads from its TOML file, validated once.
// Immutable after load; a reload builds a new one.
struct agent_config {
  broker_settings broker;
  std::string node_id;  // default: sanitised host name
  std::string ip;       // default: primary IPv4
  std::filesystem::path spool_dir = "/var/lib/peranda/spool";
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(10)};
  // Spool
  std::uint64_t spool_rotate_bytes = 16ull << 20;
  std::chrono::milliseconds spool_rotate_age{std::chrono::hours(1)};
  std::uint64_t spool_max_bytes = 1ull << 30;
  std::uint64_t max_line_bytes = 16 * 1024;
  std::string compression = "zstd";  // of closed spool files: "zstd" or "none"
  unsigned compression_level = 1;
  // Alarms
  std::uint64_t alarm_outbox_max = 10000;
  std::chrono::milliseconds alarm_resend_after{std::chrono::seconds(30)};
  // The heartbeat reports `alarms_waiting` once an alarm waited this long.
  std::chrono::milliseconds health_alarm_wait{std::chrono::minutes(5)};
  // Uploads
  std::chrono::milliseconds ack_timeout{std::chrono::seconds(10)};
  std::uint32_t upload_retries = 5;
  // Masters whose requests and acks are taken (empty: any); each a valid id.
  std::vector<std::string> masters;

  std::vector<source_settings> sources;
  std::vector<rule_settings> rules;
};

std::span<const key_spec> agent_keys();

// Loads and validates `path`; every problem names file, line and key.
[[nodiscard]] result<agent_config> load_agent_config(const std::filesystem::path& path);
// Builds the config from an already parsed document (tests use this).
[[nodiscard]] result<agent_config> build_agent_config(const config_document& doc);

}  // namespace peranda::agent
