// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/queue_set.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>

using peranda::master::queue_set;

BOOST_AUTO_TEST_SUITE(master_queue_set)

BOOST_AUTO_TEST_CASE(new_nodes_join_the_shortest_queue) {
  queue_set q(4);
  for (int i = 0; i < 50; ++i) q.assign(fmt::format("n{}", i));
  auto lengths = q.lengths();
  auto [lo, hi] = std::ranges::minmax(lengths);
  BOOST_TEST(hi - lo <= 1u);
  BOOST_TEST(lo + hi == 25u);  // 13 + 12
}

BOOST_AUTO_TEST_CASE(a_known_node_keeps_its_queue) {
  queue_set q(3);
  auto first = q.assign("a");
  q.assign("b");
  BOOST_TEST(q.assign("a") == first);
  BOOST_TEST(q.lengths() == (std::vector<std::size_t>{1, 1, 0}));
}

BOOST_AUTO_TEST_CASE(after_removals_the_emptier_queue_fills_first) {
  queue_set q(2);
  for (auto n : {"a", "b", "c", "d"}) q.assign(n);  // a,c -> 0; b,d -> 1
  BOOST_TEST(*q.remove("a") == 0u);
  BOOST_TEST(*q.remove("c") == 0u);
  BOOST_TEST(!q.remove("c"));
  BOOST_TEST(q.assign("e") == 0u);
  BOOST_TEST(q.assign("f") == 0u);
  BOOST_TEST(q.assign("g") == 0u);  // 0 had 2, 1 had 2: lowest index wins ties
  BOOST_TEST(q.members(1) == (std::vector<std::string>{"b", "d"}));
}

BOOST_AUTO_TEST_SUITE_END()
