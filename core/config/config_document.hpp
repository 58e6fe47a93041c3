// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace peranda {

// string_or_list: one string or a non-empty array of strings (read into a
// list either way), for a key that grew from one value to several.
enum class key_type { string, integer, boolean, duration, bytes, string_list, string_or_list };

// One row of a program's configuration table (after fluent-bit): the table
// drives parsing, unknown-key errors, --help-config and docs/configuration.md.
struct key_spec {
  std::string_view section;  // "broker"; "source[]" for an array of tables
  std::string_view name;
  key_type type;
  std::string_view default_value;  // as documented; empty: no default
  std::string_view help;
  std::string_view allowed = {};  // "between 1 and 64", "at least 1s"; empty: any
};

// A key's checked value, with its line for later error messages.
struct config_value {
  key_type type = key_type::string;
  std::string text;
  std::int64_t integer = 0;
  bool boolean = false;
  std::chrono::milliseconds duration{0};
  std::uint64_t bytes = 0;
  std::vector<std::string> list;
  int line = 0;
};

// One [section] or one [[array]] element whose keys all passed the table's
// type checks. Accessors return the fallback when a key is absent.
class config_section {
 public:
  config_section() = default;
  config_section(std::string file, std::string name, int line)
      : file_(std::move(file)), name_(std::move(name)), line_(line) {}

  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The key's value, or nullptr when the file does not set it.
  const config_value* find(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  std::int64_t integer_or(std::string_view key, std::int64_t fallback) const;
  bool boolean_or(std::string_view key, bool fallback) const;
  std::chrono::milliseconds duration_or(std::string_view key,
                                        std::chrono::milliseconds fallback) const;
  std::uint64_t bytes_or(std::string_view key, std::uint64_t fallback) const;
  std::vector<std::string> list_or(std::string_view key, std::vector<std::string> fallback) const;

  // "file:line: key 'section.key': <why>" — for checks made after parsing.
  [[nodiscard]] error error_at(std::string_view key, std::string_view why) const;

  void set(std::string key, config_value value) { values_[std::move(key)] = std::move(value); }

 private:
  std::string file_;
  std::string name_;
  int line_ = 0;
  std::map<std::string, config_value, std::less<>> values_;
};

// A parsed, type-checked TOML configuration file. Immutable after load().
class config_document {
 public:
  // Parses `path` and checks every key against `keys`: unknown keys, wrong
  // types and bad durations/sizes are all reported, one line each, as
  // "file:line: ...".
  [[nodiscard]] static result<config_document> load(const std::filesystem::path& path,
                                                    std::span<const key_spec> keys);
  // Parses TOML text (for tests and for defaults); `name` stands for the file.
  [[nodiscard]] static result<config_document> parse(std::string_view text, std::string name,
                                                     std::span<const key_spec> keys);

  // An absent section is empty (every accessor yields its fallback).
  const config_section& section(std::string_view name) const;
  // Elements of [[name]], in file order.
  const std::vector<config_section>& array(std::string_view name) const;
  const std::string& file() const { return file_; }

 private:
  friend class config_builder;
  std::string file_;
  std::map<std::string, config_section, std::less<>> sections_;
  std::map<std::string, std::vector<config_section>, std::less<>> arrays_;
};

// Markdown tables of the keys, one per section, for docs and --help-config.
[[nodiscard]] std::string describe_keys(std::span<const key_spec> keys);

}  // namespace peranda
