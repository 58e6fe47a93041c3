// SPDX-License-Identifier: Apache-2.0
#include "node-agent/presence/presence_machine.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using peranda::agent::node_identity;
using peranda::agent::presence_machine;
using peranda::protocol::heartbeat;
using peranda::protocol::node_state;

namespace {

const presence_machine::clock::time_point t0 = presence_machine::clock::time_point{} + 1h;

presence_machine machine() {
  return presence_machine(node_identity{"node-1", "m-1", "10.0.0.1", "host-1", 42, "1.2.3"}, t0);
}

heartbeat echo(node_state state, std::uint64_t session) {
  heartbeat hb;
  hb.node = "node-1";
  hb.state = state;
  hb.session = session;
  return hb;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(presence_machine_rules)

BOOST_AUTO_TEST_CASE(a_heartbeat_carries_identity_state_and_the_given_times) {
  auto m = machine();
  auto hb = m.next(node_state::online, t0 + 90500ms, 1234567);
  BOOST_TEST(hb.node == "node-1");
  BOOST_TEST(hb.machine_id == "m-1");
  BOOST_TEST(hb.ip == "10.0.0.1");
  BOOST_TEST(hb.hostname == "host-1");
  BOOST_TEST(hb.session == 42u);
  BOOST_TEST(hb.agent_version == "1.2.3");
  BOOST_TEST((hb.state == node_state::online));
  BOOST_TEST(hb.uptime_s == 90u);  // whole seconds since start
  BOOST_TEST(hb.ts_ms == 1234567u);
}

BOOST_AUTO_TEST_CASE(seq_counts_every_heartbeat_built_whatever_its_state) {
  auto m = machine();
  BOOST_TEST(m.next(node_state::lost, t0, 0).seq == 0u);  // the Will
  BOOST_TEST(m.next(node_state::online, t0, 0).seq == 1u);
  BOOST_TEST(m.next(node_state::offline, t0 + 1s, 0).seq == 2u);
}

BOOST_AUTO_TEST_CASE(our_own_online_echo_needs_nothing) {
  auto m = machine();
  BOOST_TEST((m.on_echo(echo(node_state::online, 42)) == presence_machine::echo_action::none));
}

BOOST_AUTO_TEST_CASE(a_will_or_offline_of_this_session_is_overwritten_with_online) {
  auto m = machine();
  for (auto state : {node_state::lost, node_state::offline}) {
    BOOST_TEST((m.on_echo(echo(state, 42)) == presence_machine::echo_action::publish_online));
  }
}

BOOST_AUTO_TEST_CASE(an_older_session_is_overwritten_a_newer_one_is_another_agent) {
  auto m = machine();
  BOOST_TEST(
      (m.on_echo(echo(node_state::online, 41)) == presence_machine::echo_action::publish_online));
  BOOST_TEST((m.on_echo(echo(node_state::lost, 43)) == presence_machine::echo_action::other_agent));
  BOOST_TEST(
      (m.on_echo(echo(node_state::online, 43)) == presence_machine::echo_action::other_agent));
}

BOOST_AUTO_TEST_CASE(what_is_not_a_heartbeat_is_overwritten) {
  auto m = machine();
  BOOST_TEST((m.on_echo(std::nullopt) == presence_machine::echo_action::publish_online));
}

BOOST_AUTO_TEST_SUITE_END()
