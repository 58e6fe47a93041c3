// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace peranda::protocol {

// Version of every JSON message body (field "v"). A decoder refuses others.
inline constexpr std::uint64_t k_schema_version = 1;
// No JSON message may be larger or nest deeper than this.
inline constexpr std::size_t k_max_json_bytes = 64 * 1024;
inline constexpr int k_max_json_depth = 8;
// Timestamps are milliseconds since the Unix epoch, below 2^53 (exact in JSON).
inline constexpr std::uint64_t k_max_timestamp = (1ull << 53) - 1;

// Parses untrusted bytes into a JSON object, never throwing: size and nesting
// are checked before the parser runs, so no input can exhaust the stack.
[[nodiscard]] result<nlohmann::json> parse_object(std::string_view payload, std::string_view what);

// Serialises with invalid UTF-8 replaced (log lines are arbitrary bytes).
[[nodiscard]] std::string dump_json(const nlohmann::json& doc);

using id_validator = result<void> (*)(std::string_view);

// Reads typed, bounded fields out of a decoded object. The first problem is
// kept (message kind, field, reason); later reads become no-ops. Not
// thread-safe; one per decode.
class field_reader {
 public:
  field_reader(const nlohmann::json& object, std::string_view what);

  // `max_chars` counts Unicode code points, as JSON Schema's maxLength does,
  // so a string the schema admits is never refused here. In bytes that is
  // at most 4 x max_chars (the parser admits only valid UTF-8).
  void text(std::string_view key, std::string& out, std::size_t max_chars, bool required = true);
  void id(std::string_view key, std::string& out, id_validator validate, bool required = true);
  void uint(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max,
            bool required = true);
  void uint(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max,
            bool required = true);
  void id_list(std::string_view key, std::vector<std::string>& out, std::size_t max_items,
               id_validator validate, bool required = true);
  void uint_list(std::string_view key, std::vector<std::uint32_t>& out, std::size_t max_items,
                 std::uint32_t max_value, bool required = true);
  void counters(std::string_view key, std::map<std::string, std::uint64_t>& out,
                std::size_t max_items, bool required = true);

  template <class E>
  void choice(std::string_view key, E& out,
              std::initializer_list<std::pair<std::string_view, E>> names) {
    std::string name;
    text(key, name, 32);
    if (!ok()) return;
    for (const auto& [n, value] : names) {
      if (n == name) {
        out = value;
        return;
      }
    }
    set_error(key, fmt::format("'{}' is not one of the allowed values", name));
  }

  // A nested object (nullptr, with the error recorded, if absent or not one).
  const nlohmann::json* object(std::string_view key);

  // Records a cross-field rule violation unless `condition` holds.
  void require(bool condition, std::string_view key, std::string_view why);

  bool ok() const { return !error_.has_value(); }

  template <class T>
  [[nodiscard]] result<T> finish(T value) {
    if (error_) return fail(*error_);
    return value;
  }

 private:
  // Finds `key`; records "missing" if required and absent. nullptr if absent.
  const nlohmann::json* find(std::string_view key, bool required);
  void set_error(std::string_view key, std::string_view why);

  const nlohmann::json& object_;
  std::string what_;
  std::optional<std::string> error_;
};

// The envelope every message starts with: {"v": 1, ...}.
[[nodiscard]] nlohmann::json make_envelope();

}  // namespace peranda::protocol
