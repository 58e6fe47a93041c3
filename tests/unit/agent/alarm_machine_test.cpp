// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_machine.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using peranda::agent::alarm_machine;
using peranda::protocol::alarm_ack;

namespace {

const alarm_machine::clock::time_point t0 = alarm_machine::clock::time_point{} + 1h;

// Keys of what tick() publishes.
std::vector<std::string> keys(const std::vector<alarm_machine::publish>& due) {
  std::vector<std::string> out;
  for (const auto& p : due) out.push_back(p.key);
  return out;
}

std::vector<std::string> tick(alarm_machine& m, alarm_machine::clock::time_point now) {
  return keys(m.tick(now, true));
}

// A machine with `n` alarms "k0".. (ids "a0"..), connected.
alarm_machine with_alarms(int n, std::size_t max_inflight = 64) {
  alarm_machine m(30s, max_inflight);
  for (int i = 0; i < n; ++i) {
    BOOST_REQUIRE(m.add("k" + std::to_string(i), "a" + std::to_string(i), "p", t0));
  }
  m.connected();
  return m;
}

// Publishes everything and has the broker PUBACK it.
void publish_and_deliver(alarm_machine& m, alarm_machine::clock::time_point now) {
  for (const auto& k : tick(m, now)) m.on_completion(k, true);
}

alarm_ack ack(std::vector<std::string> ids, std::vector<std::string> refused = {},
              std::uint64_t retry_after_ms = 0) {
  alarm_ack a;
  a.master_id = "m1";
  a.ids = std::move(ids);
  a.refused = std::move(refused);
  a.retry_after_ms = retry_after_ms;
  return a;
}

using keys_t = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(alarm_machine_rules)

BOOST_AUTO_TEST_CASE(nothing_is_published_before_the_session_connected) {
  alarm_machine m(30s, 64);
  BOOST_TEST(m.add("k0", "a0", "payload", t0));
  BOOST_TEST(!m.has_due(t0, true));
  BOOST_TEST(m.tick(t0, true).empty());
  m.connected();
  BOOST_TEST(!m.has_due(t0, false));
  BOOST_TEST(m.tick(t0, false).empty());  // the connection dropped again
  BOOST_TEST(m.has_due(t0, true));
  auto due = m.tick(t0, true);
  BOOST_TEST((due == std::vector<alarm_machine::publish>{{"k0", "payload"}}));
  BOOST_TEST(!m.has_due(t0, true));
}

BOOST_AUTO_TEST_CASE(alarms_go_out_oldest_key_first_and_an_id_is_held_once) {
  alarm_machine m(30s, 64);
  BOOST_TEST(m.add("k2", "a2", "p", t0));
  BOOST_TEST(m.add("k1", "a1", "p", t0));
  BOOST_TEST(!m.add("k3", "a1", "p", t0));  // the same line alarmed again
  m.connected();
  BOOST_TEST(tick(m, t0) == (keys_t{"k1", "k2"}));
  BOOST_TEST(m.ids() == (keys_t{"a1", "a2"}));
}

BOOST_AUTO_TEST_CASE(at_most_max_inflight_publish_at_once) {
  auto m = with_alarms(5, 2);
  BOOST_TEST(tick(m, t0) == (keys_t{"k0", "k1"}));
  BOOST_TEST(!m.has_due(t0, true));
  BOOST_TEST(tick(m, t0).empty());
  // A PUBACK frees a slot (unpaced, a published alarm is not in flight).
  BOOST_TEST(m.on_completion("k0", true));
  BOOST_TEST(m.has_due(t0, true));
  BOOST_TEST(tick(m, t0) == (keys_t{"k2"}));
}

BOOST_AUTO_TEST_CASE(an_alarm_without_puback_is_published_again_after_resend_after) {
  auto m = with_alarms(1);
  BOOST_TEST(tick(m, t0) == (keys_t{"k0"}));
  BOOST_TEST(tick(m, t0 + 29999ms).empty());
  // No master needs to be online: the broker never acknowledged it.
  BOOST_TEST(tick(m, t0 + 30s) == (keys_t{"k0"}));
}

BOOST_AUTO_TEST_CASE(a_failed_completion_puts_the_alarm_back_at_once) {
  auto m = with_alarms(1);
  tick(m, t0);
  BOOST_TEST(!m.on_completion("k0", false));
  BOOST_TEST(m.has_due(t0, true));
  BOOST_TEST(tick(m, t0) == (keys_t{"k0"}));
  BOOST_TEST(m.on_completion("k0", true));   // its first PUBACK
  BOOST_TEST(!m.on_completion("k0", true));  // not publishing: ignored
}

BOOST_AUTO_TEST_CASE(only_the_first_puback_of_an_alarm_counts_as_reaching_the_broker) {
  auto m = with_alarms(1);
  m.master_online("m1", 1);
  tick(m, t0);
  BOOST_TEST(m.on_completion("k0", true));
  BOOST_TEST(tick(m, t0 + 30s) == (keys_t{"k0"}));
  BOOST_TEST(!m.on_completion("k0", true));
}

BOOST_AUTO_TEST_CASE(a_published_alarm_is_not_resent_while_no_master_is_online) {
  auto m = with_alarms(1);
  publish_and_deliver(m, t0);
  BOOST_TEST(tick(m, t0 + 1h).empty());
  m.master_online("m1", 7);  // a new master: everything again, at once
  BOOST_TEST(tick(m, t0 + 1h) == (keys_t{"k0"}));
}

BOOST_AUTO_TEST_CASE(resends_while_a_master_is_online_double_up_to_sixteen_times) {
  auto m = with_alarms(1);
  m.master_online("m1", 7);
  auto now = t0;
  publish_and_deliver(m, now);
  for (auto wait : {30s, 60s, 120s, 240s, 480s, 480s, 480s}) {
    BOOST_TEST(tick(m, now + wait - 1ms).empty(), "early by 1 ms at " << wait.count() << " s");
    now += wait;
    auto due = tick(m, now);
    BOOST_TEST(due == (keys_t{"k0"}), "after " << wait.count() << " s");
    m.on_completion("k0", true);
  }
}

BOOST_AUTO_TEST_CASE(a_master_going_offline_stops_the_periodic_resends) {
  auto m = with_alarms(1);
  m.master_online("m1", 7);
  publish_and_deliver(m, t0);
  m.master_offline("m1");
  BOOST_TEST(tick(m, t0 + 1h).empty());
}

BOOST_AUTO_TEST_CASE(a_repeated_master_status_changes_nothing_a_restart_resends_all) {
  auto m = with_alarms(2);
  m.master_online("m1", 7);
  publish_and_deliver(m, t0);
  m.master_online("m1", 7);  // the same session: a repeat
  BOOST_TEST(tick(m, t0 + 1s).empty());
  m.master_online("m1", 8);  // restarted: may have lost what it took
  BOOST_TEST(tick(m, t0 + 1s) == (keys_t{"k0", "k1"}));
}

BOOST_AUTO_TEST_CASE(a_reconnect_publishes_every_unconfirmed_alarm_again) {
  auto m = with_alarms(3);
  publish_and_deliver(m, t0);  // no master online: no periodic resend
  m.on_ack(ack({"a1"}), t0);
  BOOST_TEST(tick(m, t0 + 1s).empty());
  m.connected();  // e.g. the broker was killed before passing them on
  BOOST_TEST(m.has_due(t0 + 1s, true));
  BOOST_TEST(tick(m, t0 + 1s) == (keys_t{"k0", "k2"}));
  BOOST_TEST(!m.has_due(t0 + 1s, true));
}

BOOST_AUTO_TEST_CASE(a_reconnect_also_resends_what_is_still_publishing) {
  auto m = with_alarms(1);
  tick(m, t0);
  m.connected();
  BOOST_TEST(tick(m, t0 + 1ms) == (keys_t{"k0"}));
}

BOOST_AUTO_TEST_CASE(an_ack_confirms_its_alarms_and_ignores_unknown_ids) {
  auto m = with_alarms(3);
  publish_and_deliver(m, t0);
  auto done = m.on_ack(ack({"a2", "a0", "not-ours", "a0"}), t0);
  BOOST_TEST(done == (keys_t{"k2", "k0"}));
  BOOST_TEST(m.pending() == 1u);
  BOOST_TEST(!m.holds("k0"));
  BOOST_TEST(m.holds("k1"));
  BOOST_TEST(m.ids() == (keys_t{"a1"}));
  // Confirmed: never published again, even after a reconnect.
  m.connected();
  BOOST_TEST(tick(m, t0 + 1s) == (keys_t{"k1"}));
}

BOOST_AUTO_TEST_CASE(an_alarm_confirmed_before_its_puback_is_gone) {
  auto m = with_alarms(1);
  tick(m, t0);
  BOOST_TEST(m.on_ack(ack({"a0"}), t0) == (keys_t{"k0"}));
  BOOST_TEST(!m.on_completion("k0", true));
  BOOST_TEST(m.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(a_refusal_holds_everything_for_retry_after_then_paces) {
  auto m = with_alarms(6, 2);
  m.master_online("m1", 7);
  // Four published and PUBACKed (unpaced they are not in flight).
  for (int round = 0; round < 2; ++round) publish_and_deliver(m, t0);
  BOOST_TEST(tick(m, t0) == (keys_t{"k4", "k5"}));
  // The master refuses k0 (only the first ids of a flood are listed).
  m.on_ack(ack({}, {"a0"}, 5000), t0);
  BOOST_TEST(!m.has_due(t0 + 4999ms, true));
  BOOST_TEST(tick(m, t0 + 4999ms).empty());
  // k4, k5 were still publishing; PUBACKed now, but paced a published
  // unconfirmed alarm holds its slot: both slots stay taken.
  m.on_completion("k4", true);
  m.on_completion("k5", true);
  auto later = t0 + 5s;
  BOOST_TEST(!m.has_due(later, true));
  BOOST_TEST(tick(m, later).empty());
  // Each confirmation frees a slot for the next waiting alarm.
  m.on_ack(ack({"a4", "a5"}), later);
  BOOST_TEST(tick(m, later) == (keys_t{"k0", "k1"}));
  m.on_completion("k0", true);
  m.on_completion("k1", true);
  BOOST_TEST(tick(m, later).empty());
  m.on_ack(ack({"a0"}), later);
  BOOST_TEST(tick(m, later) == (keys_t{"k2"}));
}

BOOST_AUTO_TEST_CASE(pacing_ends_when_no_alarm_is_left) {
  auto m = with_alarms(1, 1);
  tick(m, t0);
  m.on_ack(ack({}, {"a0"}, 0), t0);
  publish_and_deliver(m, t0);
  m.on_ack(ack({"a0"}), t0);
  BOOST_TEST(m.pending() == 0u);
  // Unpaced again: PUBACKed alarms no longer hold the single slot.
  BOOST_TEST(m.add("k1", "a1", "p", t0));
  BOOST_TEST(m.add("k2", "a2", "p", t0));
  publish_and_deliver(m, t0);
  BOOST_TEST(tick(m, t0) == (keys_t{"k2"}));
}

BOOST_AUTO_TEST_CASE(pacing_lasts_while_alarms_are_left) {
  auto m = with_alarms(3, 1);
  tick(m, t0);
  m.on_ack(ack({}, {"a0"}, 0), t0);
  publish_and_deliver(m, t0);  // k0
  m.on_ack(ack({"a0"}), t0);   // k1, k2 left: still paced
  publish_and_deliver(m, t0);  // k1
  BOOST_TEST(tick(m, t0).empty());
}

BOOST_AUTO_TEST_CASE(a_publish_paho_did_not_take_waits_a_second_before_waking_again) {
  auto m = with_alarms(1);
  tick(m, t0);
  m.not_taken({"k0"}, t0);
  BOOST_TEST(!m.has_due(t0 + 999ms, true));
  BOOST_TEST(m.has_due(t0 + 1s, true));
  // A tick (the sender's once-a-second timeout) still publishes it.
  BOOST_TEST(tick(m, t0 + 10ms) == (keys_t{"k0"}));
}

BOOST_AUTO_TEST_CASE(a_forgotten_alarm_is_not_published) {
  auto m = with_alarms(2);
  m.forget("k0");
  m.forget("k9");  // unknown: nothing
  BOOST_TEST(tick(m, t0) == (keys_t{"k1"}));
  BOOST_TEST(m.add("k2", "a0", "p", t0));  // its id is free again
}

BOOST_AUTO_TEST_CASE(the_oldest_wait_counts_from_when_the_oldest_alarm_was_added) {
  alarm_machine m(30s, 64);
  BOOST_TEST(!m.oldest_wait(t0).has_value());
  BOOST_TEST(m.add("k1", "a1", "p", t0 + 5s));
  BOOST_TEST(m.add("k0", "a0", "p", t0));
  BOOST_TEST(m.oldest_wait(t0 + 7s).value() == 7000ms);
  m.on_ack(ack({"a0"}), t0);
  BOOST_TEST(m.oldest_wait(t0 + 7s).value() == 2000ms);
}

BOOST_AUTO_TEST_SUITE_END()
