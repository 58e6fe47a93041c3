// SPDX-License-Identifier: Apache-2.0
// The security rig itself: with nobody attacking, node-b is online at the
// master over the production broker and a pull of its spool completes.
#define BOOST_TEST_MODULE fleet_baseline
#include "tests/security/attacked_fleet.hpp"

namespace peranda::test {

BOOST_FIXTURE_TEST_SUITE(fleet_baseline, attacked_fleet)

BOOST_AUTO_TEST_CASE(node_b_is_online_and_the_master_is_small) {
  BOOST_CHECK_EQUAL(node_state("node-b"), "online");
  BOOST_CHECK_GT(master_rss_kib(), 0U);
  auto a = attacker("node-a:probe");
  BOOST_CHECK(a->wait_connected(k_deadline));
  a->stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
