// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/ownership/masters_view.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

using namespace peranda::protocol;
using namespace std::chrono_literals;

namespace {

using clock_t_ = masters_view::clock;
const clock_t_::time_point t0{};

master_status status(std::string id, node_state state, std::uint64_t session, std::uint64_t ts,
                     std::uint64_t beat_ms = 5000) {
  return {std::move(id), state, session, "1.0", ts, beat_ms};
}
master_status online(std::string id, std::uint64_t session = 1, std::uint64_t ts = 1) {
  return status(std::move(id), node_state::online, session, ts);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(masters_view_suite)

BOOST_AUTO_TEST_CASE(self_is_always_live_and_its_own_will_ignored) {
  masters_view v("m1");
  BOOST_TEST(v.live() == std::vector<std::string>{"m1"});
  BOOST_TEST(v.owner_of("n").value() == "m1");
  // The retained Will of our previous run must not remove us.
  BOOST_TEST((v.on_status(status("m1", node_state::lost, 7, 1), t0) == status_effect::ignored));
  BOOST_TEST(v.live() == std::vector<std::string>{"m1"});
  masters_view agent_view;
  BOOST_TEST(agent_view.live().empty());
  BOOST_TEST(!agent_view.owner_of("n").has_value());
}

BOOST_AUTO_TEST_CASE(joins_on_online_leaves_on_will_at_once) {
  masters_view v("m1");
  auto g = v.generation();
  BOOST_TEST((v.on_status(online("m2"), t0) == status_effect::joined));
  BOOST_TEST(v.generation() != g);
  BOOST_TEST((v.live() == std::vector<std::string>{"m1", "m2"}));
  BOOST_TEST((v.on_status(online("m2", 1, 2), t0 + 1s) == status_effect::beat));
  BOOST_TEST((v.on_status(status("m2", node_state::lost, 1, 3), t0 + 2s) == status_effect::left));
  BOOST_TEST(v.live() == std::vector<std::string>{"m1"});
  // An online of that session no newer than the last seen does not revive it...
  BOOST_TEST((v.on_status(online("m2", 1, 2), t0 + 3s) == status_effect::ignored));
  // ...a newer one (it reconnected after the broker fired its Will) does,
  BOOST_TEST((v.on_status(online("m2", 1, 9), t0 + 3s) == status_effect::joined));
  BOOST_TEST((v.on_status(status("m2", node_state::offline, 1, 10), t0 + 4s) == status_effect::left));
  // ...and so does its next run (a new session).
  BOOST_TEST((v.on_status(online("m2", 2, 1), t0 + 4s) == status_effect::joined));
}

// 1.5 beats without a status: gone, even with no Will (a broker that died
// with the master). So a peer takes over within 2 beats of the last one.
BOOST_AUTO_TEST_CASE(a_master_whose_beats_stop_is_gone_after_one_and_a_half_beats) {
  masters_view v("m1");
  v.on_status(online("m2"), t0);
  BOOST_TEST(v.expire(t0 + 7500ms).empty());
  auto gone = v.expire(t0 + 7501ms);
  BOOST_TEST(gone == std::vector<std::string>{"m2"});
  BOOST_TEST(v.live() == std::vector<std::string>{"m1"});
  BOOST_TEST(masters_view::timeout_of(5000) < 2 * 5000ms);
  BOOST_TEST(v.gone("m2"));
  BOOST_TEST(!v.gone("m3"));  // never heard of: not gone
  // Its retained last beat, delivered again on a reconnect: still gone.
  BOOST_TEST((v.on_status(online("m2", 1, 1), t0 + 8s) == status_effect::ignored));
  BOOST_TEST(v.gone("m2"));
  // A newer beat of the same session (it was only slow): live again.
  BOOST_TEST((v.on_status(online("m2", 1, 2), t0 + 9s) == status_effect::joined));
  BOOST_TEST(!v.gone("m2"));
}

BOOST_AUTO_TEST_CASE(beats_keep_a_master_live) {
  masters_view v("m1");
  for (int i = 0; i < 20; ++i) {
    v.on_status(online("m2", 1, 1 + static_cast<std::uint64_t>(i)), t0 + i * 5s);
    BOOST_TEST(v.expire(t0 + i * 5s + 7s).empty());
  }
  auto e = v.entries();
  BOOST_REQUIRE_EQUAL(e.size(), 1u);
  BOOST_TEST(e[0].last_beat_wall_ms == 20u);
}

BOOST_AUTO_TEST_CASE(a_master_without_beats_lives_until_its_will) {
  masters_view v;
  v.on_status(status("old", node_state::online, 1, 1, 0), t0);
  BOOST_TEST(v.expire(t0 + 24h).empty());
  BOOST_TEST(v.live() == std::vector<std::string>{"old"});
}

BOOST_AUTO_TEST_CASE(older_sessions_and_late_wills_change_nothing) {
  masters_view v;
  v.on_status(online("m2", 5, 100), t0);
  // The Will of run 4, delivered late: run 5 stays.
  BOOST_TEST((v.on_status(status("m2", node_state::lost, 4, 99), t0) == status_effect::ignored));
  BOOST_TEST((v.on_status(online("m2", 3, 200), t0) == status_effect::ignored));
  BOOST_TEST(v.entries().at(0).session == 5u);
  // A Will of an unknown master: nothing live changes.
  auto g = v.generation();
  BOOST_TEST((v.on_status(status("m9", node_state::offline, 1, 1), t0) == status_effect::ignored));
  BOOST_TEST(v.generation() == g);
}

// A flood of master ids (a buggy or hostile master user) is bounded.
BOOST_AUTO_TEST_CASE(masters_beyond_the_limit_are_refused_and_counted) {
  masters_view v("self", 8);
  unsigned refused = 0;
  for (unsigned i = 0; i < 1000; ++i) {
    refused += v.on_status(online(fmt::format("m{}", i)), t0) == status_effect::refused;
    v.on_status(status(fmt::format("w{}", i), node_state::lost, 1, 1), t0);
  }
  BOOST_TEST(v.live().size() == 9u);  // 8 + self
  BOOST_TEST(refused == 992u);
  BOOST_TEST(v.refused() == 992u);
}

BOOST_AUTO_TEST_CASE(owner_follows_the_live_set) {
  masters_view a("m1"), b("m2");
  a.on_status(online("m2"), t0);
  b.on_status(online("m1"), t0);
  masters_view agent;
  agent.on_status(online("m1"), t0);
  agent.on_status(online("m2"), t0);
  for (unsigned i = 0; i < 200; ++i) {
    auto n = fmt::format("node-{}", i);
    auto o = agent.owner_of(n).value();
    BOOST_TEST(a.owns(o, n));
    BOOST_TEST(b.owner_of(n).value() == o);
    BOOST_TEST(a.owns("m1", n) != b.owns("m2", n));  // exactly one of them
  }
  // m2 stops beating: all nodes are m1's in every view.
  agent.on_status(online("m1", 1, 2), t0 + 5s);
  a.expire(t0 + 8s);
  agent.expire(t0 + 8s);
  for (unsigned i = 0; i < 200; ++i) {
    auto n = fmt::format("node-{}", i);
    BOOST_TEST(a.owns("m1", n));
    BOOST_TEST(agent.owner_of(n).value() == "m1");
  }
}

BOOST_AUTO_TEST_SUITE_END()
