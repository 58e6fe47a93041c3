// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <filesystem>
#include <span>
#include <string>

#include "core/config/broker_settings.hpp"
#include "core/config/config_document.hpp"
#include "core/error.hpp"

namespace peranda::agent {

// Everything peranda-agent reads from its TOML file, validated once.
// Immutable after load; a reload builds a new one.
struct agent_config {
  broker_settings broker;
  std::string node_id;  // default: sanitised host name
  std::string ip;       // default: primary IPv4
  std::filesystem::path spool_dir = "/var/lib/peranda/spool";
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(10)};
};

std::span<const key_spec> agent_keys();

// Loads and validates `path`; every problem names file, line and key.
[[nodiscard]] result<agent_config> load_agent_config(const std::filesystem::path& path);
// Builds the config from an already parsed document (tests use this).
[[nodiscard]] result<agent_config> build_agent_config(const config_document& doc);

}  // namespace peranda::agent
