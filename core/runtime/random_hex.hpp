// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

#include "core/error.hpp"

namespace peranda {

// `bytes` random bytes from the OS (getrandom), as lower-case hex.
[[nodiscard]] result<std::string> random_hex(std::size_t bytes);

}  // namespace peranda
