// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/pull_due.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;
using namespace std::chrono_literals;

namespace {

pull_due_inputs pulled_recently() {
  pull_due_inputs in;
  in.owned = true;
  in.requested_once = true;
  in.since_request = 10s;
  in.interval = 60s;
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pull_due_suite)

BOOST_AUTO_TEST_CASE(only_the_owner_pulls_even_on_demand) {
  auto in = pulled_recently();
  in.owned = false;
  in.on_demand = true;
  in.since_request = 1h;
  BOOST_TEST((decide_pull(in) == pull_due::not_mine));
}

BOOST_AUTO_TEST_CASE(periodic_pulls_follow_the_interval) {
  auto in = pulled_recently();
  BOOST_TEST((decide_pull(in) == pull_due::not_yet));
  in.since_request = 60s;
  BOOST_TEST((decide_pull(in) == pull_due::now));
  in = pulled_recently();
  in.requested_once = false;  // never pulled yet
  BOOST_TEST((decide_pull(in) == pull_due::now));
}

// Failover: a node gained from a master gone is pulled at once, not a
// pull_interval after this master last asked it (before it lost it).
BOOST_AUTO_TEST_CASE(a_node_just_gained_is_pulled_at_once) {
  auto in = pulled_recently();
  in.gained = true;
  BOOST_TEST((decide_pull(in) == pull_due::now));
}

// Views that disagree: never a tight loop, and soon again once they agree.
BOOST_AUTO_TEST_CASE(not_owner_replies_back_off_exponentially_up_to_the_interval) {
  BOOST_TEST((not_owner_backoff(0, 60s) == 0s));
  BOOST_TEST((not_owner_backoff(1, 60s) == 1s));
  BOOST_TEST((not_owner_backoff(2, 60s) == 2s));
  BOOST_TEST((not_owner_backoff(4, 60s) == 8s));
  BOOST_TEST((not_owner_backoff(30, 60s) == 60s));
  BOOST_TEST((not_owner_backoff(1000, 60s) == 60s));
  auto in = pulled_recently();
  in.gained = true;
  in.not_owner_count = 3;
  in.since_not_owner = 3s;
  BOOST_TEST((decide_pull(in) == pull_due::not_yet));
  in.since_not_owner = 4s;
  BOOST_TEST((decide_pull(in) == pull_due::now));
  in.gained = false;  // its back-off over, asked again before the interval
  BOOST_TEST((decide_pull(in) == pull_due::now));
  // Counting how often a node is asked over an hour of disagreement.
  unsigned asks = 0;
  auto t = 0s;
  for (unsigned streak = 1; t < 3600s; ++streak) {
    t += std::chrono::duration_cast<std::chrono::seconds>(not_owner_backoff(streak, 60s));
    ++asks;
  }
  BOOST_TEST(asks < 70u);
}

BOOST_AUTO_TEST_SUITE_END()
