// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <expected>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace peranda {

// What failed and where, in words an operator can act on. Expected failures
// (I/O, parsing, validation, broker refusal) travel as values of this type.
struct error {
  std::string message;
};

template <class T>
using result = std::expected<T, error>;

[[nodiscard]] inline std::unexpected<error> fail(std::string message) {
  return std::unexpected(error{std::move(message)});
}

template <class... Args>
[[nodiscard]] std::unexpected<error> failf(fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(error{fmt::format(format, std::forward<Args>(args)...)});
}

}  // namespace peranda
