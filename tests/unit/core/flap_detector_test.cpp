// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/flap_detector.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using peranda::mqtt_session::flap_detector;

namespace {
const flap_detector::clock::time_point t0{};
}

BOOST_AUTO_TEST_SUITE(flap_detector_rule)

BOOST_AUTO_TEST_CASE(three_quick_losses_in_a_row_ask_for_a_fresh_client_once) {
  flap_detector flaps(2s, 3);
  auto now = t0 + 1h;
  for (int i = 0; i < 2; ++i) {
    flaps.connected(now);
    now += 500ms;
    BOOST_TEST(!flaps.lost(now));
  }
  flaps.connected(now);
  now += 1999ms;
  BOOST_TEST(flaps.lost(now));
  // The count starts again after a fresh client was asked for.
  flaps.connected(now);
  BOOST_TEST(!flaps.lost(now + 1ms));
}

BOOST_AUTO_TEST_CASE(a_connection_that_lasted_the_window_resets_the_count) {
  flap_detector flaps(2s, 3);
  auto now = t0 + 1h;
  flaps.connected(now);
  BOOST_TEST(!flaps.lost(now + 100ms));
  flaps.connected(now + 1s);
  BOOST_TEST(!flaps.lost(now + 1s + 100ms));
  flaps.connected(now + 2s);
  BOOST_TEST(!flaps.lost(now + 4s));  // exactly the window: a real connection
  flaps.connected(now + 5s);
  BOOST_TEST(!flaps.lost(now + 5s + 1ms));
  flaps.connected(now + 6s);
  BOOST_TEST(!flaps.lost(now + 6s + 1ms));
  flaps.connected(now + 7s);
  BOOST_TEST(flaps.lost(now + 7s + 1ms));
}

BOOST_AUTO_TEST_CASE(a_limit_of_one_asks_at_the_first_quick_loss) {
  flap_detector flaps(2s, 1);
  flaps.connected(t0 + 1h);
  BOOST_TEST(flaps.lost(t0 + 1h + 1s));
}

BOOST_AUTO_TEST_SUITE_END()
