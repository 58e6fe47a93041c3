// SPDX-License-Identifier: Apache-2.0
// Fleet alarms over the shipped production broker config: node-a's
// credentials can neither publish a fleet alarm (about node-b or itself)
// nor squat a fleet alarm's id with an alarm of its own, while master-1's
// real fleet alarm about node-b gets through to a watcher.
#define BOOST_TEST_MODULE fleet_alarms
#include "tests/security/attacked_fleet.hpp"
#include "tests/support/message_inbox.hpp"

namespace peranda::test {

BOOST_FIXTURE_TEST_SUITE(fleet_alarms, attacked_fleet)

BOOST_AUTO_TEST_CASE(a_node_cannot_raise_fleet_alarms_but_the_master_can) {
  const std::string fleet = "peranda/v1/fleet/alarms/";
  const std::string marker_topic = "peranda/v1/nodes/node-a/alarm";
  mqtt_session::session watcher(helper("master-1", "master-1:fleet-watcher"));
  message_inbox seen;
  seen.subscribe(watcher, fleet + "+");
  seen.subscribe(watcher, marker_topic);
  BOOST_REQUIRE(watcher.start());
  BOOST_REQUIRE(watcher.wait_connected(k_deadline));
  std::vector<mqtt_session::message> fleet_seen;
  // Everything delivered before `marker` lands in fleet_seen.
  auto drain_until = [&](const std::string& marker) {
    while (auto m = seen.pop_for(std::chrono::milliseconds(0))) {
      if (m->topic == marker_topic) {
        if (m->payload == marker) return true;
        continue;
      }
      fleet_seen.push_back(*m);
    }
    return false;
  };

  auto a = attacker("node-a:fleet");
  BOOST_REQUIRE(a->wait_connected(k_deadline));
  const std::string forged =
      R"({"v":1,"id":"fleet.lost.s1","node":"node-b","rule":"fleet.lost","severity":"error",)"
      R"("source":"master-1","line":"node 'node-b' is lost","offset":0,"suppressed":0,"ts":1})";
  // A squat: an alarm of node-a's own, with the id of a fleet alarm.
  const std::string squat =
      R"({"v":1,"id":"fleet.lost.s9","node":"node-a","rule":"r","severity":"error",)"
      R"("source":"s","line":"l","offset":0,"suppressed":0,"ts":1})";
  auto rejected_before = metric("peranda_rejected_messages_total{reason=\"bad_alarm\"}");
  int round = 0;
  // The publishes may precede the watcher's SUBSCRIBE: repeat until a marker
  // sent after them is back; by then any forged alarm delivered is in fleet_seen.
  BOOST_REQUIRE(wait_until([&] {
    auto marker = "marker-" + std::to_string(++round);
    (void)a->publish({fleet + "node-b", forged, 1, false});
    (void)a->publish({fleet + "node-a", forged, 1, false});
    (void)a->publish({fleet + "node-b", forged, 1, true});
    (void)a->publish({marker_topic, squat, 1, false});
    (void)a->publish({marker_topic, marker, 1, false});
    return wait_until([&] { return drain_until(marker); }, std::chrono::seconds(2));
  }));
  // Boost builds the message even when the check passes: no front() of an empty vector.
  BOOST_TEST(fleet_seen.empty(),
             (fleet_seen.empty() ? std::string()
                                 : fleet_seen.front().topic + ": " + fleet_seen.front().payload));
  // The squat and the marker are refused as invalid alarms ('.' is not in
  // an alarm id), not journaled.
  BOOST_TEST(wait_until([&] {
    return metric("peranda_rejected_messages_total{reason=\"bad_alarm\"}") >= rejected_before + 2;
  }));
  BOOST_TEST(metric("peranda_fleet_alarms_total{event=\"lost\"}") == 0);
  BOOST_TEST(node_state("node-b") == "online");
  a->stop();

  // master-1 may publish them: node-b killed, its Will makes the master
  // raise `lost`, and the watcher sees it (the closed socket fires the Will at
  // once; the deadline allows for 1.5 keepalives of 30 s all the same).
  node_b->kill9();
  bool lost = wait_until(
      [&] {
        while (auto m = seen.pop_for(std::chrono::milliseconds(100))) {
          if (m->topic != fleet + "node-b") continue;
          auto j = nlohmann::json::parse(m->payload, nullptr, false);
          if (j.is_object() && j.value("rule", "") == "fleet.lost" &&
              j.value("source", "") == "master-1") {
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(180));
  BOOST_TEST(lost, master->log());
  BOOST_TEST(master_rss_kib() < rss_bound_kib(512));
  watcher.stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
