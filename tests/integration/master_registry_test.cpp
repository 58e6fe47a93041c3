// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE master_registry_test
#include <algorithm>
#include <numeric>
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"
#include "tests/support/message_inbox.hpp"

using namespace peranda;
using namespace peranda::test;

BOOST_AUTO_TEST_CASE(fifty_agents_register_once_and_spread_evenly_over_the_queues) {
  master_fixture m;
  // Fifty agents, each its own MQTT session; connected side by side because
  // a Paho client takes about a second to connect.
  std::vector<std::unique_ptr<test_agent>> agents(50);
  {
    std::vector<std::jthread> starters;
    for (int i = 0; i < 50; ++i) {
      starters.emplace_back([&, i] {
        agents[static_cast<std::size_t>(i)] = std::make_unique<test_agent>(
            m.mqtt().url(), fmt::format("node-{:02}", i), fmt::format("10.0.1.{}", i));
      });
    }
  }
  for (int round = 0; round < 10; ++round) {
    for (auto& a : agents) a->heartbeat();
  }
  BOOST_REQUIRE(wait_until([&] {
    auto nodes = m.get("/api/v1/nodes");
    if (!nodes.is_object() || nodes["nodes"].size() != 50) return false;
    return std::ranges::all_of(nodes["nodes"], [](const auto& n) { return n["seq"] == 10; });
  }));
  auto nodes = m.get("/api/v1/nodes")["nodes"];
  BOOST_TEST(nodes.size() == 50u);
  std::set<std::string> ids;
  for (const auto& n : nodes) ids.insert(n["node"].get<std::string>());
  BOOST_TEST(ids.size() == 50u);

  auto queues = m.get("/api/v1/transfers")["queues"];
  BOOST_REQUIRE(queues.size() == 4u);
  std::vector<std::size_t> lengths;
  for (const auto& q : queues) lengths.push_back(q["length"].get<std::size_t>());
  auto [lo, hi] = std::ranges::minmax(lengths);
  BOOST_TEST(hi - lo <= 1u);
  // Each node in exactly one queue: ten heartbeats never queue it twice.
  BOOST_TEST(std::accumulate(lengths.begin(), lengths.end(), std::size_t{0}) == 50u);
  for (int q = 0; q < 4; ++q) {
    BOOST_TEST(m.metric(fmt::format("peranda_queue_length{{queue=\"{}\"}}", q)) ==
               static_cast<double>(lengths[static_cast<std::size_t>(q)]));
  }
  BOOST_TEST(m.metric("peranda_nodes{state=\"online\"}") == 50);
}

BOOST_AUTO_TEST_CASE(a_late_lost_will_of_an_older_session_does_not_flip_a_live_node) {
  master_fixture m;
  test_agent old_run(m.mqtt().url(), "node-w", "10.0.2.1", 4);
  test_agent new_run(m.mqtt().url(), "node-w-peer", "10.0.2.2", 5);
  // The current process (session 5) is online...
  auto online = old_run.heartbeat_message(protocol::node_state::online, 5);
  old_run.publish(online);
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-w") == "online"; }));
  // ...then the broker delivers the Will of the previous process (session 4).
  old_run.publish(old_run.heartbeat_message(protocol::node_state::lost, 4));
  // A marker message after it: once the marker is seen, the Will was too.
  new_run.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-w-peer") == "online"; }));
  BOOST_TEST(m.node_state("node-w") == "online");
  BOOST_TEST(m.get("/api/v1/nodes/node-w")["session"] == 5);

  // The Will of the current session is real.
  old_run.publish(old_run.heartbeat_message(protocol::node_state::lost, 5));
  BOOST_TEST(wait_until([&] { return m.node_state("node-w") == "lost"; }));
}

BOOST_AUTO_TEST_CASE(a_silent_node_goes_stale_and_is_forgotten) {
  master_fixture m("stale_after = \"1s\"\nforget_after = \"3s\"");
  test_agent agent(m.mqtt().url(), "node-s", "10.0.3.1");
  agent.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-s") == "online"; }));
  BOOST_TEST(wait_until([&] { return m.node_state("node-s") == "stale"; }));
  BOOST_TEST(wait_until([&] { return m.node_count() == 0; }));
  auto queues = m.get("/api/v1/transfers")["queues"];
  std::size_t total = 0;
  for (const auto& q : queues) total += q["length"].get<std::size_t>();
  BOOST_TEST(total == 0u);
}

BOOST_AUTO_TEST_CASE(the_master_announces_itself_and_says_offline_on_a_clean_stop) {
  master_fixture m;
  mqtt_session::options o;
  o.server_uri = m.mqtt().url();
  o.client_id = "watcher";
  o.clean_session = true;
  mqtt_session::session watcher(o);
  protocol::topic_scheme topics;
  message_inbox statuses;
  statuses.subscribe(watcher, topics.master_status(master_fixture::k_id));
  BOOST_REQUIRE(watcher.start());
  auto next_state = [&]() -> std::string {
    auto msg = statuses.pop_for(std::chrono::seconds(30));
    if (!msg) return "";
    auto s = protocol::decode_master_status(msg->payload);
    return s ? std::string(protocol::to_string(s->state)) : "invalid";
  };
  BOOST_TEST(next_state() == "online");
  m.stop();
  BOOST_TEST(next_state() == "offline");
  m.start();
  BOOST_TEST(next_state() == "online");
  m.kill9();
  // The broker notices the dead connection after 1.5 x keepalive (5 s).
  BOOST_TEST(next_state() == "lost");
}
