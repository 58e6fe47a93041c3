// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/config/config_document.hpp"
#include "core/error.hpp"
#include "node-agent/sources/multiline.hpp"

namespace peranda::agent {

enum class source_type { exec, file, journal };

// One [[source]] table, validated.
struct source_settings {
  source_type type = source_type::exec;
  std::string name;
  // exec
  std::vector<std::string> command;  // argv; with `shell`, one string for /bin/sh -c
  bool shell = false;
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::uint64_t max_output = 1ull << 20;
  // file
  std::filesystem::path path;
  bool from_beginning = false;  // also journal
  // journal
  std::filesystem::path directory;       // empty: the local system journal
  std::vector<std::string> units;        // _SYSTEMD_UNIT values (any of them); empty: all
  std::vector<std::string> identifiers;  // SYSLOG_IDENTIFIER values; empty: all
  int max_priority = 7;                  // entries with PRIORITY <= this (7: all)
  // every kind
  std::uint64_t rule_lines_per_second = 1000;  // 0: check every line
  multiline_settings multiline;                // disabled unless configured
};

std::span<const key_spec> source_keys();

// Validates every [[source]]: names unique and valid, type-specific keys
// only, commands that exist and are executable (absolute; relative to
// `config_dir` when they contain a '/'; else searched in PATH), absolute file
// paths, absolute journal folders, known priorities, multi-line presets and
// patterns RE2 accepts. Errors name file, line and key.
[[nodiscard]] result<std::vector<source_settings>> load_sources(
    const std::vector<config_section>& tables, const std::filesystem::path& config_dir);

}  // namespace peranda::agent
