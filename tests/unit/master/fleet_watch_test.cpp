// SPDX-License-Identifier: Apache-2.0
#include "master-service/fleet/fleet_watch.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::master;
using namespace std::chrono_literals;

namespace {

constexpr auto k_stale = 30s;
const fleet_watch::clock::time_point t0{};

protocol::heartbeat beat(std::uint64_t session, std::uint64_t seq,
                         protocol::node_state state = protocol::node_state::online,
                         std::string machine = "machine-1") {
  protocol::heartbeat hb;
  hb.node = "node-a";
  hb.machine_id = std::move(machine);
  hb.ip = "10.0.0.1";
  hb.hostname = "h";
  hb.state = state;
  hb.session = session;
  hb.seq = seq;
  return hb;
}

protocol::heartbeat dropping(std::uint64_t session, std::uint64_t seq, std::uint64_t files,
                             std::uint64_t bytes) {
  auto hb = beat(session, seq);
  hb.counters = {{"spool_dropped_files", files}, {"spool_dropped_bytes", bytes}};
  return hb;
}

std::vector<std::string> ids(const std::vector<fleet_alarm>& alarms) {
  std::vector<std::string> out;
  for (const auto& a : alarms) out.push_back(a.id);
  return out;
}

using strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(master_fleet_watch)

BOOST_AUTO_TEST_CASE(a_will_raises_lost_once_and_the_next_heartbeat_back_online) {
  fleet_watch w(k_stale);
  BOOST_TEST(w.on_heartbeat(beat(4, 0), apply_outcome::added, t0).empty());
  BOOST_TEST(w.on_heartbeat(beat(4, 1), apply_outcome::updated, t0 + 10s).empty());
  auto lost =
      w.on_heartbeat(beat(4, 0, protocol::node_state::lost), apply_outcome::updated, t0 + 11s);
  BOOST_REQUIRE(lost.size() == 1u);
  BOOST_TEST(lost[0].id == "fleet.lost.s4");
  BOOST_TEST(lost[0].node == "node-a");
  BOOST_TEST((lost[0].event == fleet_event::lost));
  BOOST_TEST(lost[0].text.find("node-a") != std::string::npos);
  // The Will again (a retained copy at reconnect), and silence: nothing new.
  BOOST_TEST(
      w.on_heartbeat(beat(4, 0, protocol::node_state::lost), apply_outcome::updated, t0 + 12s)
          .empty());
  BOOST_TEST(w.on_tick(t0 + 1h, true).empty());
  auto back = w.on_heartbeat(beat(5, 0), apply_outcome::updated, t0 + 2h);
  BOOST_TEST(ids(back) == strings{"fleet.back_online.s5-q0"});
  BOOST_TEST((back[0].level == protocol::severity::info));
  BOOST_TEST(w.on_heartbeat(beat(5, 1), apply_outcome::updated, t0 + 2h + 10s).empty());
}

BOOST_AUTO_TEST_CASE(silence_for_stale_after_is_lost_named_by_the_last_heartbeat) {
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(beat(2, 7), apply_outcome::added, t0);
  BOOST_TEST(w.on_tick(t0 + k_stale - 1ms, true).empty());
  BOOST_TEST(ids(w.on_tick(t0 + k_stale, true)) == strings{"fleet.lost.s2-q7"});
  BOOST_TEST(w.on_tick(t0 + k_stale + 1s, true).empty());
  // Its Will after the silence is the same episode: no second alarm.
  BOOST_TEST(
      w.on_heartbeat(beat(2, 0, protocol::node_state::lost), apply_outcome::updated, t0 + 60s)
          .empty());
  BOOST_TEST(ids(w.on_heartbeat(beat(2, 8), apply_outcome::updated, t0 + 61s)) ==
             strings{"fleet.back_online.s2-q8"});
  // Silent again later in the same session: a new episode, a new id.
  BOOST_TEST(ids(w.on_tick(t0 + 61s + k_stale, true)) == strings{"fleet.lost.s2-q8"});
}

BOOST_AUTO_TEST_CASE(a_retained_will_is_history_until_the_node_stays_unheard) {
  fleet_watch w(k_stale);
  const auto will = beat(6, 0, protocol::node_state::lost);
  // Read at the master's start: nothing yet.
  BOOST_TEST(w.on_heartbeat(will, apply_outcome::added, t0, true).empty());
  BOOST_TEST(w.on_tick(t0 + k_stale - 1ms, true).empty());
  auto lost = w.on_tick(t0 + k_stale, true);
  BOOST_TEST(ids(lost) == strings{"fleet.lost.s6"});  // the id a live Will gets
  BOOST_TEST(lost[0].text.find("holds its Will") != std::string::npos);
  BOOST_TEST(w.on_tick(t0 + 2 * k_stale, true).empty());
  BOOST_TEST(ids(w.on_heartbeat(beat(7, 0), apply_outcome::updated, t0 + 1h)) ==
             strings{"fleet.back_online.s7-q0"});
}

BOOST_AUTO_TEST_CASE(a_retained_will_then_the_node_online_raises_nothing) {
  // A broker restart fires every Will; the master reconnects and reads them
  // retained; each agent publishes online again within seconds.
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(beat(6, 3), apply_outcome::added, t0);
  BOOST_TEST(w.on_tick(t0 + 1s, false).empty());
  BOOST_TEST(
      w.on_heartbeat(beat(6, 0, protocol::node_state::lost), apply_outcome::updated, t0 + 2s, true)
          .empty());
  BOOST_TEST(w.on_tick(t0 + 3s, true).empty());
  BOOST_TEST(w.on_heartbeat(beat(6, 4), apply_outcome::updated, t0 + 4s).empty());
  BOOST_TEST(w.on_tick(t0 + 4s + k_stale - 1ms, true).empty());
}

BOOST_AUTO_TEST_CASE(a_retained_will_waits_out_a_disconnection) {
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(beat(6, 0, protocol::node_state::lost), apply_outcome::added, t0, true);
  BOOST_TEST(w.on_tick(t0 + 1s, false).empty());
  BOOST_TEST(w.on_tick(t0 + 10min, false).empty());
  BOOST_TEST(w.on_tick(t0 + 10min + 1s, true).empty());
  BOOST_TEST(w.on_tick(t0 + 10min + k_stale, true).empty());
  BOOST_TEST(ids(w.on_tick(t0 + 10min + 1s + k_stale, true)) == strings{"fleet.lost.s6"});
}

BOOST_AUTO_TEST_CASE(a_clean_stop_is_no_alarm) {
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(beat(2, 1), apply_outcome::added, t0);
  BOOST_TEST(
      w.on_heartbeat(beat(2, 2, protocol::node_state::offline), apply_outcome::updated, t0 + 1s)
          .empty());
  BOOST_TEST(w.on_tick(t0 + 1h, true).empty());
  BOOST_TEST(w.on_heartbeat(beat(3, 0), apply_outcome::updated, t0 + 2h).empty());
}

BOOST_AUTO_TEST_CASE(a_master_cut_off_from_the_broker_calls_nobody_lost) {
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(beat(2, 1), apply_outcome::added, t0);
  BOOST_TEST(w.on_tick(t0 + 10s, false).empty());
  BOOST_TEST(w.on_tick(t0 + 5min, false).empty());
  // Back: each node gets stale_after again to be heard.
  BOOST_TEST(w.on_tick(t0 + 5min + 1s, true).empty());
  BOOST_TEST(w.on_tick(t0 + 5min + k_stale, true).empty());
  BOOST_TEST(ids(w.on_tick(t0 + 5min + 1s + k_stale, true)) == strings{"fleet.lost.s2-q1"});
}

BOOST_AUTO_TEST_CASE(spool_drops_raise_once_per_episode) {
  fleet_watch w(k_stale);
  BOOST_TEST(w.on_heartbeat(dropping(1, 0, 0, 0), apply_outcome::added, t0).empty());
  BOOST_TEST(w.on_heartbeat(dropping(1, 1, 0, 0), apply_outcome::updated, t0).empty());
  auto a = w.on_heartbeat(dropping(1, 2, 1, 100), apply_outcome::updated, t0);
  BOOST_TEST(ids(a) == strings{"fleet.spool_dropping.s1-q2"});
  BOOST_TEST((a[0].level == protocol::severity::warning));
  BOOST_TEST(a[0].text.find("100 bytes") != std::string::npos);
  // Still growing: the same episode.
  BOOST_TEST(w.on_heartbeat(dropping(1, 3, 2, 200), apply_outcome::updated, t0).empty());
  // Steady, then growing again: a new one.
  BOOST_TEST(w.on_heartbeat(dropping(1, 4, 2, 200), apply_outcome::updated, t0).empty());
  BOOST_TEST(ids(w.on_heartbeat(dropping(1, 5, 2, 300), apply_outcome::updated, t0)) ==
             strings{"fleet.spool_dropping.s1-q5"});
}

BOOST_AUTO_TEST_CASE(a_new_session_restarts_the_counters) {
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(dropping(1, 0, 5, 500), apply_outcome::added, t0);
  (void)w.on_heartbeat(dropping(1, 1, 5, 500), apply_outcome::updated, t0);
  // Lower numbers in a new session are no drops; a first heartbeat that
  // already reports drops is one.
  BOOST_TEST(w.on_heartbeat(dropping(2, 0, 0, 0), apply_outcome::updated, t0).empty());
  BOOST_TEST(ids(w.on_heartbeat(dropping(3, 0, 1, 10), apply_outcome::updated, t0)) ==
             strings{"fleet.spool_dropping.s3-q0"});
}

BOOST_AUTO_TEST_CASE(a_second_machine_raises_a_conflict_once_per_claim) {
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(beat(1, 0), apply_outcome::added, t0);
  auto c = w.on_heartbeat(beat(9, 0, protocol::node_state::online, "machine-2"),
                          apply_outcome::conflict, t0 + 1s);
  BOOST_TEST(ids(c) == strings{"fleet.machine_id_conflict.s9-machine-2"});
  BOOST_TEST(c[0].text.find("machine-2") != std::string::npos);
  BOOST_TEST(w.on_heartbeat(beat(9, 1, protocol::node_state::online, "machine-2"),
                            apply_outcome::conflict, t0 + 2s)
                 .empty());
  BOOST_TEST(ids(w.on_heartbeat(beat(10, 0, protocol::node_state::online, "machine-2"),
                                apply_outcome::conflict, t0 + 3s)) ==
             strings{"fleet.machine_id_conflict.s10-machine-2"});
  // A conflicting heartbeat is not the node's own: it keeps it alive for nothing.
  BOOST_TEST(ids(w.on_tick(t0 + k_stale, true)) == strings{"fleet.lost.s1-q0"});
}

BOOST_AUTO_TEST_CASE(an_ignored_heartbeat_changes_nothing_and_forget_drops_the_node) {
  fleet_watch w(k_stale);
  (void)w.on_heartbeat(beat(5, 3), apply_outcome::added, t0);
  BOOST_TEST(
      w.on_heartbeat(beat(4, 0, protocol::node_state::lost), apply_outcome::stale_ignored, t0)
          .empty());
  w.forget("node-a");
  BOOST_TEST(w.on_tick(t0 + 1h, true).empty());
}

BOOST_AUTO_TEST_CASE(two_watchers_of_the_same_heartbeats_derive_the_same_ids) {
  // What several masters do: the same events, the same ids (the journal and
  // subscribers de-duplicate on (node, id)).
  fleet_watch a(k_stale);
  fleet_watch b(k_stale);
  strings from_a;
  strings from_b;
  auto feed = [&](const protocol::heartbeat& hb, apply_outcome o,
                  fleet_watch::clock::time_point t) {
    for (auto& id : ids(a.on_heartbeat(hb, o, t))) from_a.push_back(id);
    for (auto& id : ids(b.on_heartbeat(hb, o, t + 3s))) from_b.push_back(id);
  };
  feed(dropping(1, 0, 0, 0), apply_outcome::added, t0);
  feed(dropping(1, 1, 1, 1), apply_outcome::updated, t0 + 10s);
  for (auto& id : ids(a.on_tick(t0 + 50s, true))) from_a.push_back(id);
  for (auto& id : ids(b.on_tick(t0 + 57s, true))) from_b.push_back(id);
  feed(dropping(1, 2, 1, 1), apply_outcome::updated, t0 + 60s);
  BOOST_TEST(from_a.size() == 3u);
  BOOST_TEST(from_a == from_b);
}

BOOST_AUTO_TEST_SUITE_END()
