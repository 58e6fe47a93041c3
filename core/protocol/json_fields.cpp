// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/json_fields.hpp"

#include <algorithm>

namespace peranda::protocol {
namespace {

// Nesting depth of a JSON text, ignoring brackets inside strings. Cheap
// enough to run on every message before the real parser.
int max_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
    else if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

// Code points of valid UTF-8: every byte that does not continue a sequence.
std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::ranges::count_if(
      s, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

result<nlohmann::json> parse_object(std::string_view payload, std::string_view what) {
  if (payload.size() > k_max_json_bytes) {
    return failf("{}: message of {} bytes exceeds the {} byte limit", what, payload.size(),
                 k_max_json_bytes);
  }
  if (max_depth(payload) > k_max_json_depth) return failf("{}: JSON nested too deeply", what);
  auto doc = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
  if (doc.is_discarded()) return failf("{}: not valid JSON", what);
  if (!doc.is_object()) return failf("{}: JSON is not an object", what);
  auto version = doc.find("v");
  if (version == doc.end()) return failf("{}: missing field 'v' (schema version)", what);
  if (!version->is_number_unsigned() || version->get<std::uint64_t>() != k_schema_version) {
    return failf("{}: unsupported schema version {:.20} (expected {})", what, version->dump(),
                 k_schema_version);
  }
  return doc;
}

std::string dump_json(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json make_envelope() { return nlohmann::json{{"v", k_schema_version}}; }

field_reader::field_reader(const nlohmann::json& object, std::string_view what)
    : object_(object), what_(what) {}

void field_reader::set_error(std::string_view key, std::string_view why) {
  if (!error_) error_ = fmt::format("{}: field '{}': {}", what_, key, why);
}

void field_reader::require(bool condition, std::string_view key, std::string_view why) {
  if (ok() && !condition) set_error(key, why);
}

const nlohmann::json* field_reader::find(std::string_view key, bool required) {
  if (!ok()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end()) {
    if (required && !error_) error_ = fmt::format("{}: missing field '{}'", what_, key);
    return nullptr;
  }
  return &*it;
}

const nlohmann::json* field_reader::object(std::string_view key) {
  const auto* v = find(key, true);
  if (!v) return nullptr;
  if (!v->is_object()) {
    set_error(key, "expected an object");
    return nullptr;
  }
  return v;
}

void field_reader::text(std::string_view key, std::string& out, std::size_t max_chars,
                        bool required) {
  const auto* v = find(key, required);
  if (!v) return;
  if (!v->is_string()) return set_error(key, "expected a string");
  const auto& s = v->get_ref<const std::string&>();
  if (auto n = utf8_length(s); n > max_chars) {
    return set_error(key, fmt::format("{} characters, more than {}", n, max_chars));
  }
  out = s;
}

void field_reader::id(std::string_view key, std::string& out, id_validator validate,
                      bool required) {
  std::string value;
  text(key, value, 256, required);
  if (!ok() || (value.empty() && !required)) return;
  if (auto valid = validate(value); !valid) return set_error(key, valid.error().message);
  out = std::move(value);
}

void field_reader::uint(std::string_view key, std::uint64_t& out, std::uint64_t min,
                        std::uint64_t max, bool required) {
  const auto* v = find(key, required);
  if (!v) return;
  if (!v->is_number_unsigned()) return set_error(key, "expected a non-negative integer");
  auto value = v->get<std::uint64_t>();
  if (value < min || value > max) {
    return set_error(key, fmt::format("{} is outside [{}, {}]", value, min, max));
  }
  out = value;
}

void field_reader::uint(std::string_view key, std::uint32_t& out, std::uint32_t min,
                        std::uint32_t max, bool required) {
  std::uint64_t wide = out;
  uint(key, wide, min, max, required);
  out = static_cast<std::uint32_t>(wide);
}

void field_reader::id_list(std::string_view key, std::vector<std::string>& out,
                           std::size_t max_items, id_validator validate, bool required) {
  const auto* v = find(key, required);
  if (!v) return;
  if (!v->is_array()) return set_error(key, "expected an array");
  if (v->size() > max_items) return set_error(key, fmt::format("more than {} items", max_items));
  for (const auto& item : *v) {
    if (!item.is_string()) return set_error(key, "expected an array of strings");
    const auto& s = item.get_ref<const std::string&>();
    if (auto valid = validate(s); !valid) return set_error(key, valid.error().message);
    out.push_back(s);
  }
}

void field_reader::uint_list(std::string_view key, std::vector<std::uint32_t>& out,
                             std::size_t max_items, std::uint32_t max_value, bool required) {
  const auto* v = find(key, required);
  if (!v) return;
  if (!v->is_array()) return set_error(key, "expected an array");
  if (v->size() > max_items) return set_error(key, fmt::format("more than {} items", max_items));
  for (const auto& item : *v) {
    if (!item.is_number_unsigned() || item.get<std::uint64_t>() > max_value) {
      return set_error(key, fmt::format("expected integers in [0, {}]", max_value));
    }
    out.push_back(item.get<std::uint32_t>());
  }
}

void field_reader::counters(std::string_view key, std::map<std::string, std::uint64_t>& out,
                            std::size_t max_items, bool required) {
  const auto* v = find(key, required);
  if (!v) return;
  if (!v->is_object()) return set_error(key, "expected an object");
  if (v->size() > max_items) return set_error(key, fmt::format("more than {} items", max_items));
  for (const auto& [name, value] : v->items()) {
    if (name.empty() || utf8_length(name) > 64) {
      return set_error(key, "counter names are 1-64 characters");
    }
    if (!value.is_number_unsigned()) return set_error(key, "counter values are integers >= 0");
    out[name] = value.get<std::uint64_t>();
  }
}

}  // namespace peranda::protocol
