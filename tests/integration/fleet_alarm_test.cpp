// SPDX-License-Identifier: Apache-2.0
// Fleet alarms, each driven for real against a real master: a node killed
// -9 (its Will), one gone silent, one dropping spool data, and two machines
// claiming one node id. Each alarm is journaled, run through the hook and
// published on fleet/alarms/{node}, where a `mosquitto_sub -t 'peranda/v1/#'`
// watcher (a test subscriber to the same filter) sees it once. Also the
// agent's own health as its heartbeat, the API and peranda-ctl show it, and
// two masters naming one event alike.
#define BOOST_TEST_MODULE fleet_alarm_test
#include <boost/test/unit_test.hpp>

#include "core/protocol/ownership/rendezvous.hpp"

#include "tests/integration/agent_fixture.hpp"
#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"
#include "tests/support/programs.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const std::string k_flood =
    "[[source]]\ntype = \"exec\"\nname = \"flood\"\nshell = true\ninterval = \"100ms\"\n"
    "command = ['i=0; while [ $i -lt 32 ]; do echo \"flood $(date +%s%N) "
    "flood-filler-flood-filler-flood-filler\"; i=$((i+1)); done']\n";

// A master whose hook appends every alarm to a file, a watcher of
// `peranda/v1/#`, and a real agent `n1` on demand.
struct fleet_rig {
  explicit fleet_rig(const std::string& master_extra = "")
      : m(master_extra + "\nalarm_hook = [\"/bin/sh\", \"-c\", \"cat >> " +
          (hooks.path() / "hook.out").string() + "; echo >> " +
          (hooks.path() / "hook.out").string() + "\"]"),
        watcher(m.mqtt().url(), "watcher", {"peranda/v1/#"}) {}

  void start_agent(const std::string& sections = "", const std::string& keys = "") {
    std::ofstream cfg(m.dir() / "agent.toml");
    cfg << "[broker]\nurl = \"" << m.mqtt().url() << "\"\nkeepalive = \"5s\"\n"
        << "[agent]\nnode_id = \"" << k_node << "\"\nip = \"127.0.0.1\"\n"
        << "spool_dir = \"" << (m.dir() / "agent-spool").string() << "\"\n"
        << "heartbeat_interval = \"300ms\"\n"
        << keys << "\n"
        << sections;
    cfg.close();
    agent = std::make_unique<child_process>(
        std::vector<std::string>{program("peranda-agent"), "-c", (m.dir() / "agent.toml").string()},
        m.dir() / "agent.log");
  }

  // The fleet alarms the watcher saw about `node`, as JSON, in order.
  std::vector<nlohmann::json> fleet_alarms(const std::string& node = k_node) const {
    std::vector<nlohmann::json> out;
    for (const auto& msg : watcher.on("/fleet/alarms/" + node)) {
      out.push_back(nlohmann::json::parse(msg.payload, nullptr, false));
    }
    return out;
  }
  std::size_t seen(const std::string& id, const std::string& node = k_node) const {
    std::size_t n = 0;
    for (const auto& a : fleet_alarms(node)) n += a.is_object() && a.value("id", "") == id;
    return n;
  }
  // Ids of the alarms of `rule` the watcher saw about `node`.
  std::vector<std::string> ids_of(const std::string& rule, const std::string& node = k_node) const {
    std::vector<std::string> out;
    for (const auto& a : fleet_alarms(node)) {
      if (a.is_object() && a.value("rule", "") == rule) out.push_back(a.value("id", ""));
    }
    return out;
  }
  std::size_t in_journal(const std::string& id) const {
    std::size_t n = 0;
    for (const auto& line : lines_of(m.data_dir() / "alarms.jsonl")) {
      n += nlohmann::json::parse(line, nullptr, false).value("id", "") == id;
    }
    return n;
  }
  std::size_t in_hook(const std::string& id) const {
    std::size_t n = 0;
    for (const auto& line : lines_of(hooks.path() / "hook.out")) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      n += j.is_object() && j.value("id", "") == id;
    }
    return n;
  }
  std::uint64_t agent_session() const {
    auto hb = watcher.last_heartbeat();
    return hb ? hb->session : 0;
  }

  temp_dir hooks;
  master_fixture m;
  recorder watcher;
  std::unique_ptr<child_process> agent;
};

}  // namespace

BOOST_AUTO_TEST_CASE(an_agent_killed_9_is_lost_once_and_back_online_after_its_restart) {
  fleet_rig rig;
  rig.start_agent();
  BOOST_REQUIRE(wait_until([&] { return rig.m.node_state(k_node) == "online"; }));
  auto session = rig.agent_session();
  BOOST_REQUIRE(session > 0);
  rig.agent->kill9();
  const std::string lost = "fleet.lost.s" + std::to_string(session);
  // The broker sees the socket closed and publishes the Will.
  BOOST_REQUIRE(wait_until([&] { return rig.seen(lost) == 1; }));
  auto alarm = rig.fleet_alarms().back();
  BOOST_TEST(alarm.value("node", "") == k_node);
  BOOST_TEST(alarm.value("rule", "") == "fleet.lost");
  BOOST_TEST(alarm.value("severity", "") == "error");
  BOOST_TEST(alarm.value("source", "") == master_fixture::k_id);
  BOOST_TEST(alarm.value("line", "").find("Will") != std::string::npos);
  BOOST_TEST(wait_until([&] { return rig.in_journal(lost) == 1 && rig.in_hook(lost) == 1; }));
  BOOST_TEST(rig.m.metric("peranda_fleet_alarms_total{event=\"lost\"}") == 1);

  rig.start_agent();
  BOOST_REQUIRE(wait_until([&] { return !rig.ids_of("fleet.back_online").empty(); }));
  auto back = rig.ids_of("fleet.back_online");
  BOOST_TEST(back.size() == 1u);
  BOOST_TEST(back[0].starts_with("fleet.back_online.s" + std::to_string(session + 1) + "-q"),
             back[0]);
  BOOST_TEST(wait_until([&] { return rig.in_journal(back[0]) == 1 && rig.in_hook(back[0]) == 1; }));
  // Once per event: no second lost alarm for the first session.
  BOOST_TEST(rig.seen(lost) == 1u);
  BOOST_TEST(rig.in_journal(lost) == 1u);
}

BOOST_AUTO_TEST_CASE(a_restarted_master_does_not_raise_a_lost_node_again) {
  fleet_rig rig("stale_after = \"2s\"");
  rig.start_agent();
  BOOST_REQUIRE(wait_until([&] { return rig.m.node_state(k_node) == "online"; }));
  auto session = rig.agent_session();
  rig.agent->kill9();
  const std::string lost = "fleet.lost.s" + std::to_string(session);
  BOOST_REQUIRE(wait_until([&] { return rig.in_journal(lost) == 1; }));
  rig.m.stop();
  rig.m.start();
  // The retained Will is read again; after stale_after unheard the master
  // would raise it, and its journal says it did already.
  BOOST_REQUIRE(wait_until([&] { return rig.m.node_state(k_node) == "lost"; }));
  // A marker: a new node's silence, raised after the old Will's deadline.
  test_agent marker(rig.m.mqtt().url(), "node-marker", "10.9.4.4");
  marker.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return !rig.ids_of("fleet.lost", "node-marker").empty(); }));
  BOOST_TEST(rig.in_journal(lost) == 1u);
  BOOST_TEST(rig.seen(lost) == 1u);
}

BOOST_AUTO_TEST_CASE(a_node_silent_for_stale_after_is_lost_and_back_when_heard) {
  fleet_rig rig("stale_after = \"2s\"");
  test_agent quiet(rig.m.mqtt().url(), "node-quiet", "10.9.1.1");
  quiet.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return rig.m.node_state("node-quiet") == "online"; }));
  BOOST_REQUIRE(wait_until([&] { return !rig.ids_of("fleet.lost", "node-quiet").empty(); }));
  auto lost = rig.ids_of("fleet.lost", "node-quiet");
  BOOST_TEST(lost == std::vector<std::string>{"fleet.lost.s1-q1"});
  BOOST_TEST(rig.fleet_alarms("node-quiet")[0].value("line", "").find("no heartbeat") !=
             std::string::npos);
  quiet.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return !rig.ids_of("fleet.back_online", "node-quiet").empty(); }));
  BOOST_TEST(rig.ids_of("fleet.back_online", "node-quiet") ==
             std::vector<std::string>{"fleet.back_online.s1-q2"});
  BOOST_TEST(wait_until([&] { return rig.in_journal("fleet.back_online.s1-q2") == 1; }));
}

BOOST_AUTO_TEST_CASE(a_node_dropping_spool_data_raises_an_alarm_and_reports_itself_degraded) {
  fleet_rig rig;
  rig.start_agent(k_flood, "spool_rotate_bytes = \"4KiB\"\nspool_max_bytes = \"16KiB\"\n");
  BOOST_REQUIRE(wait_until([&] { return !rig.ids_of("fleet.spool_dropping").empty(); }));
  auto id = rig.ids_of("fleet.spool_dropping")[0];
  BOOST_TEST(id.starts_with("fleet.spool_dropping.s"), id);
  BOOST_TEST(wait_until([&] { return rig.in_journal(id) == 1 && rig.in_hook(id) == 1; }));
  // The spool is over 80 % of its cap: the agent says so in its heartbeat.
  BOOST_REQUIRE(wait_until([&] {
    auto n = rig.m.get("/api/v1/nodes/" + std::string(k_node));
    if (!n.is_object() || !n.contains("health")) return false;
    for (const auto& r : n["health"]["reasons"]) {
      if (r.value("code", "") == "spool_near_full") return n["health"]["status"] == "degraded";
    }
    return false;
  }));
}

BOOST_AUTO_TEST_CASE(a_second_machine_claiming_a_live_node_id_raises_a_conflict) {
  fleet_rig rig;
  rig.start_agent();
  BOOST_REQUIRE(wait_until([&] { return rig.m.node_state(k_node) == "online"; }));
  // Its own client id: taking over n1's would only disconnect the real agent.
  mqtt_session::options o;
  o.server_uri = rig.m.mqtt().url();
  o.client_id = "impostor";
  o.clean_session = true;
  test_agent impostor(o, k_node, "10.9.2.2", 77);
  impostor.heartbeat();
  const std::string id = "fleet.machine_id_conflict.s77-machine-" + std::string(k_node);
  BOOST_REQUIRE(wait_until([&] { return rig.seen(id) == 1; }));
  impostor.heartbeat();
  BOOST_TEST(wait_until([&] { return rig.in_journal(id) == 1 && rig.in_hook(id) == 1; }));
  BOOST_TEST(rig.fleet_alarms().back().value("line", "").find("machine-n1") != std::string::npos);
  BOOST_TEST(rig.seen(id) == 1u);
}

BOOST_AUTO_TEST_CASE(a_failing_source_shows_in_the_heartbeat_the_api_and_peranda_ctl) {
  fleet_rig rig;
  rig.start_agent(
      "[[source]]\ntype = \"exec\"\nname = \"broken\"\ninterval = \"200ms\"\n"
      "command = [\"/bin/false\"]\n");
  BOOST_REQUIRE(wait_until([&] {
    auto hb = rig.watcher.last_heartbeat();
    return hb && hb->health && !hb->health->empty() && (*hb->health)[0].code == "source_failing";
  }));
  auto hb = rig.watcher.last_heartbeat();
  BOOST_TEST((*hb->health)[0].text.find("'broken'") != std::string::npos, (*hb->health)[0].text);
  BOOST_TEST((*hb->health)[0].text.find("status 1") != std::string::npos, (*hb->health)[0].text);
  BOOST_REQUIRE(wait_until([&] {
    auto n = rig.m.get("/api/v1/nodes/" + std::string(k_node));
    return n.is_object() && n.contains("health") && n["health"]["status"] == "degraded";
  }));

  child_process ctl({program("peranda-ctl"), "-c", rig.m.config().string(), "nodes"},
                    rig.m.dir() / "ctl.log");
  BOOST_TEST(ctl.wait_exit(std::chrono::seconds(60)) == 0);
  BOOST_TEST(ctl.log().find("HEALTH") != std::string::npos, ctl.log());
  BOOST_TEST(ctl.log().find("source_failing") != std::string::npos, ctl.log());

  // --watch into a file: the table again and again, each headed by its time.
  child_process watch({program("peranda-ctl"), "-c", rig.m.config().string(), "nodes", "--watch",
                       "--interval", "100ms"},
                      rig.m.dir() / "watch.log");
  BOOST_TEST(wait_until([&] {
    auto text = watch.log();
    std::size_t n = 0;
    for (auto at = text.find("HEALTH"); at != std::string::npos; at = text.find("HEALTH", at + 1)) {
      ++n;
    }
    return n >= 3;
  }));
  BOOST_TEST(watch.log().find("\033[2J") == std::string::npos);  // not a terminal: no clearing
  BOOST_TEST(watch.log().find(" UTC, every 100 ms") != std::string::npos);
  watch.stop();
}

BOOST_AUTO_TEST_CASE(an_agent_that_reports_no_health_shows_a_dash) {
  fleet_rig rig;
  test_agent old(rig.m.mqtt().url(), "node-old", "10.9.3.3");
  old.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return rig.m.node_state("node-old") == "online"; }));
  BOOST_TEST(!rig.m.get("/api/v1/nodes/node-old").contains("health"));
  child_process ctl({program("peranda-ctl"), "-c", rig.m.config().string(), "nodes"},
                    rig.m.dir() / "ctl.log");
  BOOST_TEST(ctl.wait_exit(std::chrono::seconds(60)) == 0);
  BOOST_TEST(ctl.log().find("node-old") != std::string::npos, ctl.log());
}

BOOST_AUTO_TEST_CASE(two_masters_journal_one_event_and_only_its_owner_publishes_it) {
  fleet_rig rig;
  // A second master on the same broker, with its own journal.
  auto port = free_port();
  auto dir2 = rig.m.dir() / "m2";
  std::filesystem::create_directories(dir2);
  std::ofstream(dir2 / "master.toml")
      << "[broker]\nurl = \"" << rig.m.mqtt().url() << "\"\nkeepalive = \"5s\"\n"
      << "[master]\nid = \"m2\"\ndata_dir = \"" << (dir2 / "data").string() << "\"\n"
      << "http_listen = \"127.0.0.1:" << port << "\"\npull_interval = \"1h\"\n";
  child_process m2({program("peranda-master"), "-c", (dir2 / "master.toml").string()},
                   dir2 / "master.log");
  rig.start_agent();
  BOOST_REQUIRE(wait_until([&] { return rig.m.node_state(k_node) == "online"; }));
  BOOST_REQUIRE(wait_until([&] {
    return m2.log().find("new node '" + std::string(k_node) + "'") != std::string::npos;
  }));
  auto session = rig.agent_session();
  rig.agent->kill9();
  const std::string lost = "fleet.lost.s" + std::to_string(session);
  auto from = [&](const std::string& master) {
    std::size_t n = 0;
    for (const auto& a : rig.fleet_alarms()) {
      n += a.is_object() && a.value("id", "") == lost && a.value("source", "") == master;
    }
    return n;
  };
  // Each master derives the same id on its own and journals it once; only
  // the node's owner publishes it, so a subscriber sees the event once.
  BOOST_REQUIRE(wait_until([&] { return from(master_fixture::k_id) + from("m2") == 1; }));
  std::vector<std::string> live{master_fixture::k_id, "m2"};
  auto owner = protocol::rendezvous_owner(k_node, live).value();
  BOOST_TEST(from(owner) == 1u);
  BOOST_TEST(rig.in_journal(lost) == 1u);
  auto in_m2 = [&] {
    std::size_t n = 0;
    for (const auto& line : lines_of(dir2 / "data" / "alarms.jsonl")) {
      n += nlohmann::json::parse(line, nullptr, false).value("id", "") == lost;
    }
    return n;
  };
  BOOST_REQUIRE(wait_until([&] { return in_m2() == 1u; }));
  // The other one owed it while the owner lived, then let it go unraised.
  auto other_port = owner == "m2" ? rig.m.http_port() : port;
  BOOST_REQUIRE(wait_until([&] { return metric(other_port, "peranda_fleet_alarms_owed") == 0; }));
  BOOST_TEST(from(master_fixture::k_id) + from("m2") == 1u);
  std::set<std::string> distinct;
  for (const auto& a : rig.fleet_alarms()) distinct.insert(a.value("id", ""));
  BOOST_TEST(distinct.size() == 1u);
  m2.stop();
}
