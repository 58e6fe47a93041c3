// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/random_hex.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <sys/random.h>

namespace peranda {

result<std::string> random_hex(std::size_t count) {
  std::vector<unsigned char> bytes(count);
  std::size_t got = 0;
  while (got < bytes.size()) {
    auto n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("no random bytes from the OS: {}", std::strerror(errno));
    got += static_cast<std::size_t>(n);
  }
  std::string hex;
  hex.reserve(2 * count);
  for (auto b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

}  // namespace peranda
