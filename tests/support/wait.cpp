// SPDX-License-Identifier: Apache-2.0
#include "tests/support/wait.hpp"

#include <thread>

namespace peranda::test {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace peranda::test
