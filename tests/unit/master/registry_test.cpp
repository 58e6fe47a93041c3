// SPDX-License-Identifier: Apache-2.0
#include "master-service/registry/registry.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::master;
using namespace std::chrono_literals;

namespace {

protocol::heartbeat beat(std::string node, std::uint64_t session,
                         protocol::node_state state = protocol::node_state::online,
                         std::string machine = "machine-1") {
  protocol::heartbeat hb;
  hb.node = std::move(node);
  hb.machine_id = std::move(machine);
  hb.ip = "10.0.0.1";
  hb.hostname = "h";
  hb.state = state;
  hb.session = session;
  return hb;
}

const registry::clock::time_point t0{};

}  // namespace

BOOST_AUTO_TEST_SUITE(master_registry)

BOOST_AUTO_TEST_CASE(a_known_node_is_updated_never_added_twice) {
  registry r;
  BOOST_TEST((r.apply(beat("a", 1), t0) == apply_outcome::added));
  for (int i = 0; i < 10; ++i) BOOST_TEST((r.apply(beat("a", 1), t0) == apply_outcome::updated));
  BOOST_TEST((r.apply(beat("b", 1), t0) == apply_outcome::added));
  BOOST_TEST(r.size() == 2u);
  auto list = r.snapshot();
  BOOST_TEST(list[0].node == "a");  // arrival order
  BOOST_TEST(list[1].node == "b");
}

BOOST_AUTO_TEST_CASE(a_late_will_of_an_older_session_is_ignored) {
  registry r;
  r.apply(beat("a", 5), t0);
  BOOST_TEST(
      (r.apply(beat("a", 4, protocol::node_state::lost), t0) == apply_outcome::stale_ignored));
  BOOST_TEST((r.find("a")->state == presence_state::online));
  BOOST_TEST((r.apply(beat("a", 5, protocol::node_state::lost), t0) == apply_outcome::updated));
  BOOST_TEST((r.find("a")->state == presence_state::lost));
}

BOOST_AUTO_TEST_CASE(a_second_live_machine_is_a_conflict_not_a_merge) {
  registry r;
  r.apply(beat("a", 1), t0);
  BOOST_TEST((r.apply(beat("a", 9, protocol::node_state::online, "machine-2"), t0) ==
              apply_outcome::conflict));
  auto rec = r.find("a");
  BOOST_TEST(rec->machine_id == "machine-1");
  BOOST_TEST(rec->conflict_machine_id == "machine-2");
}

BOOST_AUTO_TEST_CASE(silent_nodes_go_stale_then_are_forgotten) {
  registry r;
  r.apply(beat("a", 1), t0);
  r.apply(beat("b", 1), t0 + 5s);
  BOOST_TEST(r.expire(t0 + 6s, 2s, 10s).empty());
  BOOST_TEST((r.find("a")->state == presence_state::stale));
  BOOST_TEST((r.find("b")->state == presence_state::online));
  auto removed = r.expire(t0 + 11s, 2s, 10s);
  BOOST_TEST(removed == std::vector<std::string>{"a"});
  BOOST_TEST(!r.find("a"));
  // A heartbeat brings a stale node back online.
  r.apply(beat("b", 1), t0 + 12s);
  BOOST_TEST((r.find("b")->state == presence_state::online));
}

BOOST_AUTO_TEST_SUITE_END()
