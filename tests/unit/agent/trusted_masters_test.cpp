// SPDX-License-Identifier: Apache-2.0
#include "node-agent/trust/trusted_masters.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "core/protocol/messages/alarm.hpp"
#include "node-agent/alarms/alarm_sender.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;

namespace {

// The id of the one alarm in outbox `dir` (however ids are made).
std::string only_alarm_id(const std::filesystem::path& dir) {
  std::vector<std::string> ids;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    auto a = protocol::decode_alarm(std::string(std::istreambuf_iterator<char>(in), {}));
    BOOST_REQUIRE(a.has_value());
    ids.push_back(a->id);
  }
  BOOST_REQUIRE_EQUAL(ids.size(), 1u);
  return ids.front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_trusted_masters)

BOOST_AUTO_TEST_CASE(an_empty_list_trusts_any_master_a_list_only_its_own) {
  trusted_masters any;
  BOOST_TEST(any.allows("master-9"));
  trusted_masters one({"master-1"});
  BOOST_TEST(one.allows("master-1"));
  BOOST_TEST(!one.allows("master-2"));
  BOOST_TEST(!one.allows("master-1 "));
  BOOST_TEST(!one.allows(""));
}

// With `[agent] masters`, an alarm ack of another master confirms nothing:
// the alarm stays in the outbox until a listed master journals it.
BOOST_AUTO_TEST_CASE(alarm_acks_of_other_masters_confirm_nothing) {
  test::temp_dir dir;
  mqtt_session::options o;
  o.server_uri = "tcp://127.0.0.1:1";  // never started: no broker needed
  alarm_sender_settings s{.node = "n1",
                          .session = 1795570000,
                          .outbox_dir = dir.path(),
                          .outbox_max = 100,
                          .id_key_file = dir.path() / "alarm-id.key"};
  s.masters = trusted_masters({"master-1"});
  auto sender = alarm_sender::create(std::move(s), protocol::topic_scheme(), o);
  BOOST_REQUIRE(sender.has_value());
  auto& alarms = **sender;
  alarms.raise({"r", protocol::severity::error, "probe", "boom", 0, 0, false, ""});
  BOOST_REQUIRE_EQUAL(alarms.pending(), 1u);
  auto id = only_alarm_id(dir.path());
  alarms.confirm({"master-2", {id}, {}, 0});
  alarms.confirm({"master-2", {id}, {}, 0});
  BOOST_TEST(alarms.pending() == 1u);
  BOOST_TEST(alarms.acks_refused() == 2u);
  BOOST_TEST(alarms.confirmed() == 0u);
  alarms.confirm({"master-1", {id}, {}, 0});
  BOOST_TEST(alarms.pending() == 0u);
  BOOST_TEST(alarms.confirmed() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
