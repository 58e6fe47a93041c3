// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/flap_detector.hpp"

namespace peranda::mqtt_session {

bool flap_detector::lost(clock::time_point now) {
  if (now - connected_at_ >= window_) {
    flaps_ = 0;
    return false;
  }
  if (++flaps_ < limit_) return false;
  flaps_ = 0;
  return true;
}

}  // namespace peranda::mqtt_session
