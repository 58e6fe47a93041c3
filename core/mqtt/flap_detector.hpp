// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

namespace peranda::mqtt_session {

// Decides when a connection that keeps dropping right after CONNACK needs a
// fresh Paho client (design-notes: "A fresh Paho client for a connection
// that keeps dropping"). Pure state: the session passes the time in, so the
// rule is tested without a broker or a clock.
class flap_detector {
 public:
  using clock = std::chrono::steady_clock;

  flap_detector(std::chrono::milliseconds window, unsigned flaps_before_fresh)
      : window_(window), limit_(flaps_before_fresh) {}

  void connected(clock::time_point now) { connected_at_ = now; }

  // True when this loss completes `flaps_before_fresh` losses in a row, each
  // within `window` of its connect; the count then starts again.
  [[nodiscard]] bool lost(clock::time_point now);

 private:
  std::chrono::milliseconds window_;
  unsigned limit_;
  clock::time_point connected_at_{};
  unsigned flaps_ = 0;
};

}  // namespace peranda::mqtt_session
