// SPDX-License-Identifier: Apache-2.0
// Item 8 of issue 14: node-a publishes retained messages on its upload and
// alarm topics, which the broker would store and replay to every master at
// each subscribe. The broker plugin refuses them; node-a's retained
// heartbeat, which presence needs, is still stored.
#define BOOST_TEST_MODULE retained
#include <atomic>

#include "tests/security/attacked_fleet.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/message_inbox.hpp"

namespace peranda::test {

namespace {

const std::string k_own = "peranda/v1/nodes/node-a/";

// What a fresh subscriber to node-a's topics on the central broker gets:
// the retained messages, sent at SUBSCRIBE, all before a marker published
// after it comes back.
std::vector<mqtt_session::message> seen_by_a_fresh_subscriber(const attacked_fleet& f) {
  mqtt_session::session fresh(f.helper("master-1", "master-1:fresh"));
  message_inbox fresh_in;
  fresh_in.subscribe(fresh, k_own + "#");
  BOOST_REQUIRE(fresh.start());
  BOOST_REQUIRE_MESSAGE(fresh.wait_connected(k_deadline), f.broker->log());
  std::vector<mqtt_session::message> got;
  bool marker_back = wait_until([&] {
    BOOST_REQUIRE(fresh.publish({k_own + "alarm/ack", "marker", 1, false}));
    return wait_until(
        [&] {
          while (auto m = fresh_in.pop_for(std::chrono::milliseconds(0))) {
            if (m->topic == k_own + "alarm/ack") return true;
            got.push_back(*m);
          }
          return false;
        },
        std::chrono::seconds(2));
  });
  BOOST_REQUIRE(marker_back);
  fresh.stop();
  return got;
}

// Publishes `topics` retained and node-a's heartbeat last (payload
// `heartbeat`), and returns once the broker acknowledged all of them (MQTT
// 3.1.1 acknowledges refused publishes too).
void publish_retained(mqtt_session::session& s, const std::vector<std::string>& topics,
                      const std::string& heartbeat) {
  std::atomic<int> acked = 0;
  auto count_ack = [&](bool delivered) {
    if (delivered) ++acked;
  };
  for (const auto& topic : topics) {
    BOOST_REQUIRE(s.publish({topic, std::string(1000, 'x'), 1, true}, count_ack));
  }
  BOOST_REQUIRE(s.publish({k_own + "heartbeat", heartbeat, 1, true}, count_ack));
  BOOST_REQUIRE(wait_until([&] { return acked == static_cast<int>(topics.size()) + 1; }));
}

// Checks that of `got`, only node-a's heartbeat is retained, with `heartbeat`.
void check_only_heartbeat_retained(const std::vector<mqtt_session::message>& got,
                                   const std::string& heartbeat) {
  bool found = false;
  for (const auto& m : got) {
    if (m.topic == k_own + "heartbeat") {
      found = m.retained && m.payload == heartbeat;
      continue;
    }
    BOOST_CHECK_MESSAGE(!m.retained, "retained: " << m.topic);
  }
  BOOST_CHECK_MESSAGE(found, "node-a's retained heartbeat is missing");
}

const std::vector<std::string> k_junk = {k_own + "logs/upload/t1/begin", k_own + "logs/upload/t1/0",
                                         k_own + "alarm", k_own + "logs/reply"};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(retained, attacked_fleet)

BOOST_AUTO_TEST_CASE(only_the_heartbeat_of_node_a_is_retained) {
  auto a = attacker("node-a");
  BOOST_REQUIRE(a->wait_connected(k_deadline));
  publish_retained(*a, k_junk, R"({"v":1})");
  check_only_heartbeat_retained(seen_by_a_fresh_subscriber(*this), R"({"v":1})");
  BOOST_CHECK_MESSAGE(
      broker->log().find("peranda: refused a retained publish") != std::string::npos,
      broker->log());
  // node-b is untouched.
  BOOST_CHECK_EQUAL(node_state("node-b"), "online");
  BOOST_CHECK_LT(master_rss_kib(), rss_bound_kib(512));
  a->stop();
}

// Behind an edge broker: the edge's plugin refuses the junk, and the central
// broker keeps the heartbeat the edge user relays (plugin_opt_edge_users).
BOOST_AUTO_TEST_CASE(through_an_edge_only_the_heartbeat_is_retained) {
  auto edge_port = free_port();
  auto edge = start_broker("edge", edge_config(edge_port));
  // Live first: once a heartbeat crossed the bridge, it is up.
  mqtt_session::session live(helper("master-1", "master-1:live"));
  message_inbox live_in;
  live_in.subscribe(live, k_own + "heartbeat");
  BOOST_REQUIRE(live.start());
  BOOST_REQUIRE(live.wait_connected(k_deadline));
  auto options = client("node-a", "node-a:edge");
  options.server_uri = url("127.0.0.1", edge_port);
  mqtt_session::session a(options);
  BOOST_REQUIRE(a.start());
  BOOST_REQUIRE(a.wait_connected(k_deadline));
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] {
        publish_retained(a, {}, "probe");
        return wait_until([&] { return live_in.pop_for(std::chrono::milliseconds(0)).has_value(); },
                          std::chrono::seconds(1));
      }),
      edge->log());

  publish_retained(a, k_junk, "via-edge");
  // The heartbeat crossed the bridge after the junk did (one QoS-1 stream).
  BOOST_REQUIRE(wait_until([&] {
    auto m = live_in.pop_for(std::chrono::milliseconds(0));
    return m && m->payload == "via-edge";
  }));
  check_only_heartbeat_retained(seen_by_a_fresh_subscriber(*this), "via-edge");
  BOOST_CHECK_MESSAGE(edge->log().find("peranda: refused a retained publish") != std::string::npos,
                      edge->log());
  a.stop();
  live.stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
