// SPDX-License-Identifier: Apache-2.0
// Walking skeleton: a real agent's retained heartbeat reaches a real master's
// registry through a real mosquitto; kill -9 turns it `lost`, a restart
// `online`, a clean stop `offline`; it is never listed twice.
#define BOOST_TEST_MODULE presence
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>

#include "tests/support/broker.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace peranda::test;

namespace {

std::string state_of(std::uint16_t port, const std::string& node) {
  auto n = find_node(port, node);
  return n.is_object() ? n.value("state", "") : "";
}

std::size_t count_listed(std::uint16_t port, const std::string& node) {
  auto body = http_get_json(port, "/api/v1/nodes");
  std::size_t count = 0;
  if (body.is_object()) {
    for (const auto& n : body["nodes"]) count += n.value("node", "") == node;
  }
  return count;
}

}  // namespace

BOOST_AUTO_TEST_CASE(agent_online_lost_online_offline) {
  temp_dir dir;
  broker mqtt(dir / "broker");
  std::uint16_t http = 0;
  auto master = start_master({mqtt.url(), dir / "master"}, "m1", http);
  auto agent = start_agent({mqtt.url(), dir / "agent"}, "web-01");

  BOOST_TEST_REQUIRE(wait_until([&] { return state_of(http, "web-01") == "online"; }),
                     master->log() << agent->log());
  auto node = find_node(http, "web-01");
  BOOST_TEST(node["ip"] == "127.0.0.1");
  BOOST_TEST(!node["hostname"].get<std::string>().empty());
  auto first_session = node["session"].get<std::uint64_t>();

  agent->kill9();  // no clean stop: the broker fires the Will after 1.5 x keepalive
  BOOST_TEST_REQUIRE(wait_until([&] { return state_of(http, "web-01") == "lost"; }),
                     master->log());

  agent = start_agent({mqtt.url(), dir / "agent"}, "web-01");
  BOOST_TEST_REQUIRE(wait_until([&] { return state_of(http, "web-01") == "online"; }),
                     agent->log());
  BOOST_TEST(find_node(http, "web-01")["session"].get<std::uint64_t>() > first_session);
  BOOST_TEST(count_listed(http, "web-01") == 1u);

  BOOST_TEST(agent->stop(SIGTERM) == 0);
  BOOST_TEST_REQUIRE(wait_until([&] { return state_of(http, "web-01") == "offline"; }));
  BOOST_TEST(count_listed(http, "web-01") == 1u);
}

BOOST_AUTO_TEST_CASE(master_started_later_reads_retained_state_and_broker_restart_recovers) {
  temp_dir dir;
  broker mqtt(dir / "broker");
  auto agent = start_agent({mqtt.url(), dir / "agent"}, "db-1");
  std::uint16_t http = 0;
  auto master = start_master({mqtt.url(), dir / "master"}, "m1", http);
  BOOST_TEST_REQUIRE(wait_until([&] { return state_of(http, "db-1") == "online"; }));

  // A broker restart fires every Will (`lost`); the agent must re-assert
  // `online` as soon as it is back, and the master must follow.
  mqtt.restart();
  BOOST_TEST_REQUIRE(wait_until([&] { return state_of(http, "db-1") == "online"; }),
                     agent->log() << master->log());
  BOOST_TEST(count_listed(http, "db-1") == 1u);
}

BOOST_AUTO_TEST_CASE(ctl_prints_the_node_table) {
  temp_dir dir;
  broker mqtt(dir / "broker");
  std::uint16_t http = 0;
  auto master = start_master({mqtt.url(), dir / "master"}, "m1", http);
  auto agent = start_agent({mqtt.url(), dir / "agent"}, "app-7");
  BOOST_TEST_REQUIRE(wait_until([&] { return state_of(http, "app-7") == "online"; }));
  auto url = "http://127.0.0.1:" + std::to_string(http);
  child_process table({program("peranda-ctl"), "--master", url, "nodes"}, dir / "table.txt");
  BOOST_TEST(table.wait_exit(k_deadline) == 0);
  BOOST_TEST(table.log().find("app-7") != std::string::npos, table.log());
  BOOST_TEST(table.log().find("online") != std::string::npos);
  child_process json({program("peranda-ctl"), "--master", url, "nodes", "--json"},
                     dir / "json.txt");
  BOOST_TEST(json.wait_exit(k_deadline) == 0);
  BOOST_TEST(nlohmann::json::parse(json.log())["nodes"][0]["node"] == "app-7");
  // Unreachable master: a clear error and a non-zero exit.
  child_process down({program("peranda-ctl"), "--master", "http://127.0.0.1:1", "nodes"},
                     dir / "down.txt");
  BOOST_TEST(down.wait_exit(k_deadline) == 1);
  BOOST_TEST(down.log().find("cannot reach the master") != std::string::npos, down.log());
}

BOOST_AUTO_TEST_CASE(shipped_configs_check_ok_and_a_typo_exits_2_naming_key_and_line) {
  temp_dir dir;
  std::string deploy = std::string(PERANDA_SOURCE_DIR) + "/deploy/";
  // As people type it: the file as a positional argument.
  child_process agent({program("peranda-agent"), "--check-config", deploy + "agent.toml"},
                      dir / "agent.txt");
  BOOST_TEST(agent.wait_exit(k_deadline) == 0, agent.log());
  child_process master(
      {program("peranda-master"), "--check-config", deploy + "master.toml"},
      dir / "master.txt");
  BOOST_TEST(master.wait_exit(k_deadline) == 0, master.log());
  BOOST_TEST(master.log().find("master ''") == std::string::npos, master.log());

  std::ofstream(dir / "typo.toml") << "[agent]\nnode_id = \"a\"\nheartbeat_intervall = \"5s\"\n";
  child_process typo({program("peranda-agent"), "--check-config", "-c", (dir / "typo.toml").string()},
                     dir / "typo.txt");
  BOOST_TEST(typo.wait_exit(k_deadline) == 2);
  BOOST_TEST(typo.log().find("typo.toml:3: unknown key 'agent.heartbeat_intervall'") !=
                 std::string::npos,
             typo.log());

  // A usage error is exit 2 too, naming the program.
  child_process both({program("peranda-agent"), "--check-config", "-c", deploy + "agent.toml",
                      deploy + "agent.toml"},
                     dir / "both.txt");
  BOOST_TEST(both.wait_exit(k_deadline) == 2);
  BOOST_TEST(both.log().starts_with("peranda-agent: "), both.log());
  child_process unknown({program("peranda-master"), "--no-such-flag"}, dir / "unknown.txt");
  BOOST_TEST(unknown.wait_exit(k_deadline) == 2);
  BOOST_TEST(unknown.log().find("--no-such-flag") != std::string::npos, unknown.log());
}
