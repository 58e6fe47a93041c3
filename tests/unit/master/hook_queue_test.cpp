// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/hook_queue.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(master_hook_queue)

// node-a floods a backlog of 8: node-b's alarms still get in (each evicting
// one of node-a's newest) and are served before node-a's backlog drains.
BOOST_AUTO_TEST_CASE(a_flooding_node_cannot_take_the_others_share) {
  hook_queue q(8);
  for (int i = 0; i < 8; ++i) {
    BOOST_TEST((q.push("node-a", "a" + std::to_string(i)) == hook_queue::outcome::queued));
  }
  for (int i = 8; i < 100; ++i) {
    BOOST_TEST((q.push("node-a", "a" + std::to_string(i)) == hook_queue::outcome::full));
  }
  BOOST_TEST((q.push("node-b", "b0") == hook_queue::outcome::evicted));
  BOOST_TEST((q.push("node-b", "b1") == hook_queue::outcome::evicted));
  BOOST_TEST((q.push("node-c", "c0") == hook_queue::outcome::evicted));
  BOOST_TEST(q.size() == 8u);
  // Round-robin by node, in arrival order within one.
  std::vector<std::string> order;
  while (auto item = q.pop_for(0ms)) order.push_back(*item);
  std::vector<std::string> expected{"a0", "b0", "c0", "a1", "b1", "a2", "a3", "a4"};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
  BOOST_TEST(q.size() == 0u);
}

BOOST_AUTO_TEST_CASE(equal_shares_refuse_rather_than_evict) {
  hook_queue q(4);
  BOOST_TEST((q.push("a", "a0") == hook_queue::outcome::queued));
  BOOST_TEST((q.push("b", "b0") == hook_queue::outcome::queued));
  BOOST_TEST((q.push("a", "a1") == hook_queue::outcome::queued));
  BOOST_TEST((q.push("b", "b1") == hook_queue::outcome::queued));
  BOOST_TEST((q.push("a", "a2") == hook_queue::outcome::full));
  BOOST_TEST((q.push("c", "c0") == hook_queue::outcome::evicted));
  q.close();
  BOOST_TEST((q.push("c", "c1") == hook_queue::outcome::closed));
  // What is queued drains after close.
  int left = 0;
  while (q.pop_for(0ms)) ++left;
  BOOST_TEST(left == 4);
  BOOST_TEST(!q.pop_for(10ms).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
