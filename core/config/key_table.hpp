// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config/config_document.hpp"
#include "core/error.hpp"

namespace peranda {

// Allowed values of a key in its own unit: a count, bytes or milliseconds.
struct value_range {
  std::uint64_t min = 0;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  bool operator==(const value_range&) const = default;
};

// A check of one string (or of each string of a list), e.g. validate_node_id.
using text_check = result<void> (*)(std::string_view);

// A string key parsed into a field of its own type (e.g. a listen address).
template <class C>
struct custom_field {
  result<void> (*read)(C& out, std::string_view text);
  std::string (*show)(const C& defaults);  // the default, for the docs
};

// The struct field a key fills; monostate: hand-written code reads the key
// (a computed default, or a value that is not a field).
template <class C>
using field_ref = std::variant<std::monostate, std::string C::*, std::filesystem::path C::*,
                               bool C::*, unsigned C::*, std::uint64_t C::*,
                               std::chrono::milliseconds C::*, std::chrono::seconds C::*,
                               std::vector<std::string> C::*, custom_field<C>>;

// One row of a key table: what the file may say (spec), where the value goes,
// and what it may be. The default is the field's initializer in C, written
// once; spec.default_value only describes defaults computed at load time.
template <class C>
struct config_key {
  key_spec spec;
  field_ref<C> field;
  value_range range;
  text_check check;

  consteval config_key(key_spec s, field_ref<C> f = {}, value_range r = {},
                       text_check c = nullptr)
      : spec(s), field(f), range(r), check(c) {
    if (!fits(spec.type, field.index())) throw "the field's type does not match the key's type";
  }

 private:
  // Alternative index of field_ref -> key types it can hold.
  static consteval bool fits(key_type type, std::size_t index) {
    switch (index) {
      case 0: return true;
      case 1: case 2: return type == key_type::string;
      case 3: return type == key_type::boolean;
      case 4: case 5: return type == key_type::integer || type == key_type::bytes;
      case 6: case 7: return type == key_type::duration;
      case 8: return type == key_type::string_list || type == key_type::string_or_list;
      case 9: return type == key_type::string;
      default: return false;
    }
  }
};

// Checks a path from the file (a relative one would depend on the working directory).
[[nodiscard]] result<void> absolute_path(std::string_view path);

// Fills an unset `value` from `compute` (e.g. the host name) and checks it
// like a value from the file.
[[nodiscard]] result<void> compute_default(const config_section& s, std::string_view key,
                                           std::string& value, std::string (*compute)(),
                                           text_check check);

namespace detail {
// The value's number in the key's unit, checked against `range` (clamped to
// `type_max`); the error names the range.
[[nodiscard]] result<std::uint64_t> checked_number(const config_section& s, const key_spec& spec,
                                                   const config_value& v, value_range range,
                                                   std::uint64_t type_max);
// `item`: the text is one element of a list, named in the error.
[[nodiscard]] result<void> checked_text(const config_section& s, const key_spec& spec,
                                        text_check check, std::string_view text,
                                        bool item = false);
// Stores `spec` with its default and range texts filled in, for describe_keys.
void add_described(std::vector<key_spec>& out, key_spec spec, std::string default_text,
                   value_range range);
std::string default_text(key_type type, std::uint64_t number);
}  // namespace detail

// Fills `out` from the keys of `s` that `keys` binds to fields; absent keys
// keep the field's initializer. Each error is "file:line: key 'section.key': why".
template <class C>
[[nodiscard]] result<void> load_keys(const config_section& s, std::span<const config_key<C>> keys,
                                     C& out) {
  for (const auto& k : keys) {
    const config_value* v = s.find(k.spec.name);
    if (!v || k.field.index() == 0) continue;
    auto number = [&]<class T>(T C::*field) -> result<void> {
      auto n = detail::checked_number(s, k.spec, *v, k.range, std::numeric_limits<T>::max());
      if (!n) return std::unexpected(n.error());
      out.*field = static_cast<T>(*n);
      return {};
    };
    auto text = [&](std::string_view t, bool item = false) {
      return detail::checked_text(s, k.spec, k.check, t, item);
    };
    result<void> ok;
    if (auto f = std::get_if<std::string C::*>(&k.field)) {
      ok = text(v->text);
      if (ok) out.**f = v->text;
    } else if (auto f = std::get_if<std::filesystem::path C::*>(&k.field)) {
      ok = text(v->text);
      if (ok) out.**f = v->text;
    } else if (auto f = std::get_if<bool C::*>(&k.field)) {
      out.**f = v->boolean;
    } else if (auto f = std::get_if<unsigned C::*>(&k.field)) {
      ok = number(*f);
    } else if (auto f = std::get_if<std::uint64_t C::*>(&k.field)) {
      ok = number(*f);
    } else if (auto f = std::get_if<std::chrono::milliseconds C::*>(&k.field)) {
      auto n = detail::checked_number(s, k.spec, *v, k.range,
                                      std::numeric_limits<std::int64_t>::max());
      if (n) out.**f = std::chrono::milliseconds(*n);
      if (!n) ok = std::unexpected(n.error());
    } else if (auto f = std::get_if<std::chrono::seconds C::*>(&k.field)) {
      auto n = detail::checked_number(s, k.spec, *v, k.range,
                                      std::numeric_limits<std::int64_t>::max());
      if (n) out.**f = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(*n));
      if (!n) ok = std::unexpected(n.error());
    } else if (auto f = std::get_if<std::vector<std::string> C::*>(&k.field)) {
      for (const auto& item : v->list) {
        if (ok = text(item, true); !ok) break;
      }
      if (ok) out.**f = v->list;
    } else if (auto f = std::get_if<custom_field<C>>(&k.field)) {
      ok = f->read(out, v->text);
      if (!ok) ok = std::unexpected(s.error_at(k.spec.name, ok.error().message));
    }
    if (!ok) return ok;
  }
  return {};
}

// Appends the rows' specs to `out`, each default described from `defaults`
// (the struct's initializers) unless the row describes a computed one.
template <class C>
void describe_defaults(std::vector<key_spec>& out, std::span<const config_key<C>> keys,
                       const C& defaults = C{}) {
  for (const auto& k : keys) {
    std::string text(k.spec.default_value);
    if (text.empty()) {
      std::visit(
          [&](auto field) {
            using F = decltype(field);
            if constexpr (std::is_same_v<F, custom_field<C>>) {
              text = field.show(defaults);
            } else if constexpr (!std::is_same_v<F, std::monostate>) {
              const auto& d = defaults.*field;
              using T = std::decay_t<decltype(d)>;
              if constexpr (std::is_same_v<T, std::string>) {
                text = d;
              } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
                text = d.string();
              } else if constexpr (std::is_same_v<T, bool>) {
                text = d ? "true" : "false";
              } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                for (const auto& item : d) text += (text.empty() ? "" : ", ") + item;
              } else if constexpr (std::is_integral_v<T>) {
                text = detail::default_text(k.spec.type, d);
              } else {
                text = detail::default_text(
                    k.spec.type, static_cast<std::uint64_t>(
                                     std::chrono::duration_cast<std::chrono::milliseconds>(d)
                                         .count()));
              }
            }
          },
          k.field);
    }
    detail::add_described(out, k.spec, std::move(text), k.range);
  }
}

}  // namespace peranda
