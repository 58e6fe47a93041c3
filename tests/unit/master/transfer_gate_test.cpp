// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/transfer_gate.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;

BOOST_AUTO_TEST_SUITE(master_transfer_gate)

BOOST_AUTO_TEST_CASE(a_node_has_a_few_transfers_open_at_most) {
  transfer_gate g;
  for (int i = 0; i < 10; ++i) g.open("a", "t" + std::to_string(i));
  BOOST_TEST(!g.expects("a", "t0"));
  BOOST_TEST(g.expects("a", "t9"));
  BOOST_TEST(!g.expects("b", "t9"));
  g.close("a", "t9");
  BOOST_TEST(!g.expects("a", "t9"));
  BOOST_TEST(g.expects("a", "t8"));
}

BOOST_AUTO_TEST_CASE(answers_are_budgeted_per_node_and_interval) {
  transfer_gate g;
  transfer_gate::clock::time_point t0{std::chrono::hours(1)};
  for (unsigned i = 0; i < transfer_gate::k_answers; ++i) BOOST_TEST(g.spend_answer("a", t0));
  BOOST_TEST(!g.answers_left("a", t0));
  BOOST_TEST(!g.spend_answer("a", t0));
  BOOST_TEST(g.answers_left("b", t0));
  auto later = t0 + transfer_gate::k_answer_interval;
  BOOST_TEST(g.answers_left("a", later));
  BOOST_TEST(g.spend_answer("a", later));
}

BOOST_AUTO_TEST_SUITE_END()
