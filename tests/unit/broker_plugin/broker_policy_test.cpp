// SPDX-License-Identifier: Apache-2.0
#include "broker-plugin/broker_policy.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::broker;

BOOST_AUTO_TEST_SUITE(broker_policy)

BOOST_AUTO_TEST_CASE(a_client_id_is_the_user_name_or_starts_with_it_and_a_colon) {
  BOOST_TEST(client_id_allowed("node-a", "node-a"));
  BOOST_TEST(client_id_allowed("node-a", "node-a:alarms"));
  BOOST_TEST(client_id_allowed("master-1", "master-1:master"));
  // Another user's ids, old-style ids and prefixes that only look alike.
  BOOST_TEST(!client_id_allowed("node-a", "node-b"));
  BOOST_TEST(!client_id_allowed("node-a", "node-b:alarms"));
  BOOST_TEST(!client_id_allowed("node-a", "node-a-alarms"));
  BOOST_TEST(!client_id_allowed("node", "node-a"));
  BOOST_TEST(!client_id_allowed("node-a", "master-master-1"));
  BOOST_TEST(!client_id_allowed("node-a", "node-"));
  BOOST_TEST(!client_id_allowed("node-a", ""));
  BOOST_TEST(!client_id_allowed("", ""));
  BOOST_TEST(!client_id_allowed("", ":x"));
}

BOOST_AUTO_TEST_CASE(only_own_heartbeat_status_and_bridge_state_are_retained) {
  retain_policy p;
  p.edge_users = {"edge-site-1"};
  BOOST_TEST(retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/heartbeat", 300));
  BOOST_TEST(retain_allowed(p, "master-1", "peranda/v1/masters/master-1/status", 300));
  BOOST_TEST(retain_allowed(p, "edge-site-1", "peranda/v1/bridges/edge-site-1/state", 1));
  BOOST_TEST(retain_allowed(p, "edge-site-1", "peranda/v1/nodes/node-b/heartbeat", 300));

  BOOST_TEST(!retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/alarm", 300));
  BOOST_TEST(!retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/logs/upload/t1/begin", 300));
  BOOST_TEST(!retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/logs/upload/t1/0", 300));
  BOOST_TEST(!retain_allowed(p, "node-a", "peranda/v1/nodes/node-b/heartbeat", 300));
  BOOST_TEST(!retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/heartbeat/x", 300));
  BOOST_TEST(!retain_allowed(p, "node-a", "peranda/v1/masters/master-1/status", 300));
  BOOST_TEST(!retain_allowed(p, "node-a", "other/nodes/node-a/heartbeat", 300));
  BOOST_TEST(!retain_allowed(p, "node-a", "peranda/v1x/nodes/node-a/heartbeat", 300));
  BOOST_TEST(!retain_allowed(p, "edge-site-1", "peranda/v1/nodes/node-b/alarm", 300));
  BOOST_TEST(!retain_allowed(p, "", "peranda/v1/nodes//heartbeat", 300));
  // Too big for a JSON message.
  BOOST_TEST(
      !retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/heartbeat", k_max_retained_bytes + 1));
  BOOST_TEST(
      retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/heartbeat", k_max_retained_bytes));
  // An empty payload deletes a retained message: allowed anywhere.
  BOOST_TEST(retain_allowed(p, "node-a", "peranda/v1/nodes/node-a/logs/upload/t1/begin", 0));
}

BOOST_AUTO_TEST_CASE(options_are_checked) {
  auto p = parse_options({{"topic_root", "acme/peranda"}, {"edge_users", "e1, e2,e3"}});
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->topic_root == "acme/peranda");
  BOOST_TEST(p->edge_users == (std::vector<std::string>{"e1", "e2", "e3"}));
  BOOST_TEST(retain_allowed(*p, "n", "acme/peranda/nodes/n/heartbeat", 1));
  BOOST_TEST(parse_options({})->topic_root == "peranda/v1");

  for (const char* bad : {"", "/a", "a/", "a/+", "a/#", "a//b"}) {
    auto r = parse_options({{"topic_root", bad}});
    BOOST_TEST(!r.has_value(), bad);
  }
  auto user = parse_options({{"edge_users", "e1 bad/user"}});
  BOOST_REQUIRE(!user.has_value());
  BOOST_TEST(user.error().find("bad/user") != std::string::npos);
  auto unknown = parse_options({{"topic_rot", "x"}});
  BOOST_REQUIRE(!unknown.has_value());
  BOOST_TEST(unknown.error().find("plugin_opt_topic_rot") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(logged_text_is_printable_and_repeats_are_logged_by_powers_of_ten) {
  BOOST_TEST(printable("node-a:alarms") == "node-a:alarms");
  BOOST_TEST(printable("a\nb%s") == "a?b?s");
  BOOST_TEST(printable(std::string(100, 'x')).size() == 64U);
  std::vector<std::uint64_t> logged;
  for (std::uint64_t i = 1; i <= 2000; ++i) {
    if (log_this_occurrence(i)) logged.push_back(i);
  }
  BOOST_TEST(logged == (std::vector<std::uint64_t>{1, 10, 100, 1000}));
}

BOOST_AUTO_TEST_SUITE_END()
