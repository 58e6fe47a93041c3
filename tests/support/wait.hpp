// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>

namespace peranda::test {

// Generous by design: tests wait on conditions, and a slow machine only
// makes them slower, never red.
inline constexpr std::chrono::seconds k_deadline{60};

// Re-checks `condition` (every 20 ms) until it holds or `deadline` passes.
// Returns whether it held. The only polling loop of the test suite.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = k_deadline);

}  // namespace peranda::test
