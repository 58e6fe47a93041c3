// SPDX-License-Identifier: Apache-2.0
// The heartbeat's optional `health` field: older peers neither send nor
// need it, and what a node puts in it is bounded like every other field.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/protocol/messages/heartbeat.hpp"

using namespace peranda::protocol;

namespace {

heartbeat sample() {
  return {"n1", "m1", "10.0.0.1", "h", node_state::online, 9, 1, 2, "v", 3, 4, {{"c", 5}}, 6, {}};
}

std::string with_health(const nlohmann::json& health) {
  auto doc = nlohmann::json::parse(encode(sample()));
  doc["health"] = health;
  return doc.dump();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_health)

BOOST_AUTO_TEST_CASE(health_round_trips_and_is_absent_when_not_reported) {
  auto hb = sample();
  BOOST_TEST(encode(hb).find("health") == std::string::npos);
  BOOST_TEST(!decode_heartbeat(encode(hb)).value().health.has_value());
  hb.health = std::vector<health_reason>{};
  auto ok = nlohmann::json::parse(encode(hb));
  BOOST_TEST(ok["health"]["status"] == "ok");
  BOOST_TEST((decode_heartbeat(encode(hb)).value() == hb));
  hb.health = std::vector<health_reason>{{"spool_near_full", "spool holds 900 of 1000 bytes"}};
  auto degraded = nlohmann::json::parse(encode(hb));
  BOOST_TEST(degraded["health"]["status"] == "degraded");
  BOOST_TEST(degraded["health"]["reasons"][0]["code"] == "spool_near_full");
  BOOST_TEST((decode_heartbeat(encode(hb)).value() == hb));
}

BOOST_AUTO_TEST_CASE(bad_health_is_refused_naming_the_field) {
  using nlohmann::json;
  auto reason = json{{"code", "x"}, {"text", "t"}};
  for (const auto& [health, what] : std::vector<std::pair<json, std::string>>{
           {json("ok"), "health"},
           {json{{"status", "fine"}, {"reasons", json::array()}}, "status"},
           {json{{"status", "ok"}}, "reasons"},
           {json{{"status", "ok"}, {"reasons", json::array({reason})}}, "status"},
           {json{{"status", "degraded"}, {"reasons", json::array()}}, "status"},
           {json{{"status", "degraded"},
                 {"reasons", json::array({json{{"code", "a/b"}, {"text", "t"}}})}},
            "code"},
           {json{{"status", "degraded"},
                 {"reasons", json::array({json{{"code", "x"}, {"text", std::string(257, 't')}}})}},
            "text"},
           {json{{"status", "degraded"}, {"reasons", json(std::vector<json>(9, reason))}},
            "reasons"},
           {json{{"status", "degraded"}, {"reasons", json::array({1})}}, "reasons"},
       }) {
    auto r = decode_heartbeat(with_health(health));
    BOOST_REQUIRE_MESSAGE(!r, health.dump());
    BOOST_TEST(r.error().message.find(what) != std::string::npos, r.error().message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
