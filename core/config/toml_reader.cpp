// SPDX-License-Identifier: Apache-2.0
// The only translation unit that includes toml++ (it costs ~15 s to compile).
#include <algorithm>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "core/config/config_document.hpp"
#include "core/config/units.hpp"

namespace peranda {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

// Walks a toml++ tree against a key table, collecting every problem.
class config_builder {
 public:
  config_builder(std::string file, std::span<const key_spec> keys)
      : file_(std::move(file)), keys_(keys) {
    doc_.file_ = file_;
  }

  result<config_document> build(const toml::table& root) {
    for (auto&& [key, node] : root) {
      std::string name(key.str());
      int line = static_cast<int>(key.source().begin.line);
      if (auto* table = node.as_table(); table && knows_section(name)) {
        doc_.sections_[name] = read_table(*table, name, name, line);
      } else if (auto* array = node.as_array();
                 array && array->is_array_of_tables() && knows_section(name + "[]")) {
        auto& elements = doc_.arrays_[name];
        for (auto& element : *array) {
          int element_line = static_cast<int>(element.source().begin.line);
          elements.push_back(
              read_table(*element.as_table(), name + "[]", name, element_line));
        }
      } else {
        report(line, fmt::format("unknown section '{}'{}", name, suggest_section(name)));
      }
    }
    if (!errors_.empty()) return fail(errors_);
    return std::move(doc_);
  }

 private:
  bool knows_section(std::string_view section) const {
    return std::ranges::any_of(keys_, [&](const key_spec& k) { return k.section == section; });
  }

  std::string suggest_section(std::string_view name) const {
    for (const auto& k : keys_) {
      auto plain = k.section.ends_with("[]") ? k.section.substr(0, k.section.size() - 2) : k.section;
      if (edit_distance(name, plain) <= 2) {
        return fmt::format(" (did you mean '{}'?)", k.section.ends_with("[]")
                                                        ? fmt::format("[[{}]]", plain)
                                                        : fmt::format("[{}]", plain));
      }
    }
    return "";
  }

  const key_spec* find_key(std::string_view section, std::string_view name) const {
    for (const auto& k : keys_) {
      if (k.section == section && k.name == name) return &k;
    }
    return nullptr;
  }

  std::string suggest_key(std::string_view section, std::string_view name) const {
    // Short names are all "close" to each other: allow fewer edits for them.
    const key_spec* best = nullptr;
    std::size_t best_distance = std::min<std::size_t>(3, name.size() / 4 + 2);
    for (const auto& k : keys_) {
      if (k.section != section) continue;
      auto d = edit_distance(name, k.name);
      if (d < best_distance) best = &k, best_distance = d;
    }
    return best ? fmt::format(" (did you mean '{}'?)", best->name) : "";
  }

  config_section read_table(const toml::table& table, const std::string& section,
                            const std::string& display, int line) {
    config_section out(file_, display, line);
    for (auto&& [key, node] : table) {
      std::string name(key.str());
      int key_line = static_cast<int>(key.source().begin.line);
      const key_spec* spec = find_key(section, name);
      if (!spec) {
        report(key_line, fmt::format("unknown key '{}.{}'{}", display, name,
                                     suggest_key(section, name)));
        continue;
      }
      auto value = convert(*spec, node, display);
      if (!value) {
        report(key_line, value.error().message);
        continue;
      }
      value->line = key_line;
      out.set(name, std::move(*value));
    }
    return out;
  }

  static result<config_value> convert(const key_spec& spec, const toml::node& node,
                                      std::string_view display) {
    config_value v;
    v.type = spec.type;
    auto wrong = [&](std::string_view expected) {
      return failf("key '{}.{}': expected {}", display, spec.name, expected);
    };
    switch (spec.type) {
      case key_type::string:
        if (!node.is_string()) return wrong("a string");
        v.text = *node.value<std::string>();
        return v;
      case key_type::integer:
        if (!node.is_integer()) return wrong("an integer");
        v.integer = *node.value<std::int64_t>();
        return v;
      case key_type::boolean:
        if (!node.is_boolean()) return wrong("true or false");
        v.boolean = *node.value<bool>();
        return v;
      case key_type::duration: {
        if (!node.is_string()) return wrong("a duration string such as \"10s\"");
        auto d = parse_duration(*node.value<std::string>());
        if (!d) return failf("key '{}.{}': {}", display, spec.name, d.error().message);
        v.duration = *d;
        return v;
      }
      case key_type::bytes: {
        if (node.is_integer() && *node.value<std::int64_t>() >= 0) {
          v.bytes = static_cast<std::uint64_t>(*node.value<std::int64_t>());
          return v;
        }
        if (!node.is_string()) return wrong("a size such as \"64KiB\" or a byte count");
        auto b = parse_bytes(*node.value<std::string>());
        if (!b) return failf("key '{}.{}': {}", display, spec.name, b.error().message);
        v.bytes = *b;
        return v;
      }
      case key_type::string_list: {
        const auto* array = node.as_array();
        if (!array) return wrong("an array of strings");
        for (const auto& item : *array) {
          if (!item.is_string()) return wrong("an array of strings");
          v.list.push_back(*item.value<std::string>());
        }
        return v;
      }
      case key_type::string_or_list: {
        if (node.is_string()) {
          v.list.push_back(*node.value<std::string>());
          return v;
        }
        const auto* array = node.as_array();
        if (!array || array->empty()) return wrong("a string or a non-empty array of strings");
        for (const auto& item : *array) {
          if (!item.is_string()) return wrong("a string or a non-empty array of strings");
          v.list.push_back(*item.value<std::string>());
        }
        return v;
      }
    }
    return wrong("a known type");
  }

  void report(int line, std::string_view message) {
    if (!errors_.empty()) errors_ += '\n';
    errors_ += fmt::format("{}:{}: {}", file_, line, message);
  }

  std::string file_;
  std::span<const key_spec> keys_;
  config_document doc_;
  std::string errors_;
};

result<config_document> config_document::parse(std::string_view text, std::string name,
                                               std::span<const key_spec> keys) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return failf("{}:{}:{}: TOML syntax error: {}", name, e.source().begin.line,
                 e.source().begin.column, e.description());
  }
  return config_builder(std::move(name), keys).build(root);
}

result<config_document> config_document::load(const std::filesystem::path& path,
                                              std::span<const key_spec> keys) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return failf("cannot read config file '{}': {}", path.string(), std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string(), keys);
}

}  // namespace peranda
