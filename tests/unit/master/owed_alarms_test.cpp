// SPDX-License-Identifier: Apache-2.0
#include "master-service/fleet/owed_alarms.hpp"

#include <boost/test/unit_test.hpp>
#include <set>

using namespace peranda::master;
using namespace std::chrono_literals;

namespace {

const owed_alarms::clock::time_point k_t0{};

owed_alarms::alarm lost(const std::string& node) { return {node, "lost", "{\"node\":\"" + node + "\"}"}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(owed_fleet_alarms)

BOOST_AUTO_TEST_CASE(an_alarm_is_raised_when_its_node_becomes_ours_within_the_handover) {
  owed_alarms owed(4s, 16);
  owed.add(lost("n1"), k_t0);
  owed.add(lost("n2"), k_t0 + 1s);
  std::set<std::string> ours;
  auto owns = [&](std::string_view node) { return ours.contains(std::string(node)); };
  BOOST_TEST(owed.settle(owns, k_t0 + 2s).empty());
  BOOST_TEST(owed.size() == 2u);
  ours = {"n1", "n2"};
  auto mine = owed.settle(owns, k_t0 + 4s);
  BOOST_REQUIRE(mine.size() == 2u);
  BOOST_TEST(mine[0].node == "n1");  // oldest first
  BOOST_TEST(mine[1].json == lost("n2").json);
  BOOST_TEST(owed.size() == 0u);
  BOOST_TEST(owed.settle(owns, k_t0 + 5s).empty());  // raised once
}

BOOST_AUTO_TEST_CASE(past_the_handover_the_owner_raised_it_and_it_is_forgotten) {
  owed_alarms owed(4s, 16);
  owed.add(lost("n1"), k_t0);
  auto nobody = [](std::string_view) { return false; };
  BOOST_TEST(owed.settle(nobody, k_t0 + 4s).empty());
  BOOST_TEST(owed.size() == 1u);  // exactly the handover: still owed
  BOOST_TEST(owed.settle(nobody, k_t0 + 4s + 1ms).empty());
  BOOST_TEST(owed.size() == 0u);
  BOOST_TEST(owed.settle([](std::string_view) { return true; }, k_t0 + 5s).empty());
}

BOOST_AUTO_TEST_CASE(the_bound_drops_the_oldest_and_says_so) {
  owed_alarms owed(4s, 2);
  BOOST_TEST(owed.add(lost("n1"), k_t0) == 0u);
  BOOST_TEST(owed.add(lost("n2"), k_t0) == 0u);
  BOOST_TEST(owed.add(lost("n3"), k_t0) == 1u);
  BOOST_TEST(owed.size() == 2u);
  auto mine = owed.settle([](std::string_view) { return true; }, k_t0);
  BOOST_REQUIRE(mine.size() == 2u);
  BOOST_TEST(mine[0].node == "n2");
  BOOST_TEST(mine[1].node == "n3");
}

BOOST_AUTO_TEST_SUITE_END()
