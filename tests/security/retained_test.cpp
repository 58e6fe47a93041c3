// SPDX-License-Identifier: Apache-2.0
// Item 8 of issue 14: node-a publishes retained messages on its upload and
// alarm topics, which the broker would store and replay to every master at
// each subscribe. The broker plugin refuses them; node-a's retained
// heartbeat, which presence needs, is still stored.
#define BOOST_TEST_MODULE retained
#include <atomic>

#include "tests/security/attacked_fleet.hpp"

namespace peranda::test {

BOOST_FIXTURE_TEST_SUITE(retained, attacked_fleet)

BOOST_AUTO_TEST_CASE(only_the_heartbeat_of_node_a_is_retained) {
  const std::string own = "peranda/v1/nodes/node-a/";
  const std::vector<std::string> junk = {own + "logs/upload/t1/begin", own + "logs/upload/t1/0",
                                         own + "alarm", own + "logs/reply"};
  auto a = attacker("node-a");
  BOOST_REQUIRE(a->wait_connected(k_deadline));
  std::atomic<int> acked = 0;
  auto count_ack = [&](bool delivered) {
    if (delivered) ++acked;
  };
  for (const auto& topic : junk) {
    BOOST_REQUIRE(a->publish({topic, std::string(1000, 'x'), 1, true}, count_ack));
  }
  BOOST_REQUIRE(a->publish({own + "heartbeat", R"({"v":1})", 1, true}, count_ack));
  // Acknowledged (MQTT 3.1.1 acknowledges refused publishes too): the broker
  // has handled every one of them.
  BOOST_REQUIRE(wait_until([&] { return acked == static_cast<int>(junk.size()) + 1; }));

  // A fresh subscriber gets what is retained at SUBSCRIBE, before a marker
  // published after it.
  mqtt_session::session fresh(client("master-1", "master-1:fresh"));
  fresh.subscribe(own + "#", 1);
  BOOST_REQUIRE(fresh.start());
  BOOST_REQUIRE(fresh.wait_connected(k_deadline));
  std::vector<mqtt_session::message> got;
  bool marker_back = wait_until([&] {
    BOOST_REQUIRE(fresh.publish({own + "alarm/ack", "marker", 1, false}));
    return wait_until(
        [&] {
          while (auto m = fresh.inbox().pop_for(std::chrono::milliseconds(0))) {
            if (m->topic == own + "alarm/ack") return true;
            got.push_back(*m);
          }
          return false;
        },
        std::chrono::seconds(2));
  });
  BOOST_REQUIRE(marker_back);

  bool heartbeat = false;
  for (const auto& m : got) {
    if (m.topic == own + "heartbeat") {
      heartbeat = m.retained;
      continue;
    }
    BOOST_CHECK_MESSAGE(!m.retained, "retained: " << m.topic);
  }
  BOOST_CHECK_MESSAGE(heartbeat, "node-a's retained heartbeat is gone");
  BOOST_CHECK_MESSAGE(
      broker->log().find("peranda: refused a retained publish") != std::string::npos,
      broker->log());
  // node-b is untouched.
  BOOST_CHECK_EQUAL(node_state("node-b"), "online");
  BOOST_CHECK_LT(master_rss_kib(), 512U * 1024);
  fresh.stop();
  a->stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
