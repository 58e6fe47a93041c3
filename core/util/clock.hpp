// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

namespace peranda {

// Milliseconds since the Unix epoch, for timestamps on the wire.
inline std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Waits `d` or until `stop` is requested; returns false if stopped. For the
// cadence of our own worker threads (a stop request wakes it at once).
template <class Rep, class Period>
bool wait_or_stop(std::stop_token stop, std::chrono::duration<Rep, Period> d) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace peranda
