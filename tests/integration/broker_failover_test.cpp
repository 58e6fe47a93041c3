// SPDX-License-Identifier: Apache-2.0
// Broker failover: a real peranda-agent and peranda-master both given the
// list [A, B] of two independent mosquittos. A dies by kill -9 while the
// master pulls: both reconnect to B (which holds no session state for
// them), the node is online on B (its retained heartbeat there), an alarm
// raised after the kill reaches the master's journal, and every line
// written is stored exactly once. With one broker URL (the old behaviour)
// neither program could reach B and the test fails at the first wait.
#define BOOST_TEST_MODULE broker_failover
#include <boost/test/unit_test.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/mqtt/session.hpp"
#include "core/protocol/topics.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/message_inbox.hpp"
#include "tests/support/master_api.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr const char* k_node = "fo-node";
constexpr const char* k_tag = "fo-marker";
constexpr int k_alarm_every = 1000;

// Appends lines [from, to) to the tailed file; every k_alarm_every-th one
// matches the FATAL rule and so raises one alarm.
void write_lines(const std::filesystem::path& file, int from, int to) {
  std::ofstream out(file, std::ios::app);
  for (int i = from; i < to; ++i) {
    out << k_tag << " seq=" << i << (i % k_alarm_every == 0 ? " FATAL boom " : " ok ")
        << std::string(static_cast<std::size_t>(i % 89), 'x') << "\n";
  }
}

int alarms_in(int from, int to) {
  int n = 0;
  for (int i = from; i < to; ++i) n += i % k_alarm_every == 0;
  return n;
}

// The node's retained heartbeat on one broker says `online`.
bool online_on(const broker& b) {
  mqtt_session::options o;
  o.server_uri = b.url();
  o.client_id = "presence-probe";
  o.clean_session = true;
  mqtt_session::session probe(o);
  message_inbox inbox;
  inbox.subscribe(probe, protocol::topic_scheme().heartbeat(k_node));
  if (!probe.start() || !probe.wait_connected(std::chrono::seconds(10))) return false;
  auto m = inbox.pop_for(std::chrono::seconds(5));
  probe.stop();
  if (!m || !m->retained) return false;
  auto j = nlohmann::json::parse(m->payload, nullptr, false);
  return j.is_object() && j.value("state", "") == "online";
}

std::uint64_t agent_counter(const master_api& m, const std::string& name) {
  auto n = m.get(std::string("/api/v1/nodes/") + k_node);
  if (!n.is_object() || !n["counters"].is_object()) return 0;
  return n["counters"].value(name, std::uint64_t{0});
}

}  // namespace

BOOST_AUTO_TEST_CASE(agent_and_master_fail_over_to_the_second_broker_losing_nothing) {
  temp_dir dir;
  broker a(dir / "broker-a");
  broker b(dir / "broker-b");
  const std::string list = "[\"" + a.url() + "\", \"" + b.url() + "\"]";

  std::uint16_t http = 0;
  auto master_process = start_master({list, dir / "master"}, "m1", http,
                                     "workers = 2\nchunk_size = \"4KiB\"\nwindow = 4\n"
                                     "pull_interval = \"1h\"");
  master_api master(http);
  BOOST_TEST_REQUIRE(wait_until([&] { return master.metric("peranda_broker_connected") == 1; }),
                     master_process->log());

  auto log_file = dir / "app.log";
  std::ofstream(log_file).close();
  auto agent = start_agent(
      {list, dir / "agent"}, k_node,
      "spool_rotate_bytes = \"16KiB\"\n"
      "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + log_file.string() +
          "\"\nfrom_beginning = true\nrule_lines_per_second = 0\n"
          "[[rule]]\nname = \"fatal\"\npattern = 'FATAL'\nseverity = \"critical\"\n"
          "sources = [\"app\"]\n");
  BOOST_TEST_REQUIRE(wait_until([&] { return master.node_state(k_node) == "online"; }),
                     agent->log() << master_process->log());
  // The first broker of the list answered, for both.
  BOOST_TEST(online_on(a));
  BOOST_TEST(master.metric("peranda_mqtt_broker_switches_total") == 0);

  constexpr int k_before = 20000;
  write_lines(log_file, 0, k_before);
  BOOST_TEST_REQUIRE(wait_until([&] {
                       return static_cast<int>(master.alarm_ids().size()) ==
                              alarms_in(0, k_before);
                     }),
                     master_process->log());

  // kill -9 the broker in the middle of an upload.
  auto first_pull = master.pull(k_node);
  BOOST_TEST_REQUIRE(!first_pull.empty());
  BOOST_TEST_REQUIRE(wait_until([&] {
    return master.metric("peranda_transfers_active") > 0 || master.pull_finished(first_pull);
  }));
  const bool killed_during_upload = master.metric("peranda_transfers_active") > 0;
  a.kill9();
  BOOST_TEST_MESSAGE("broker A killed " << (killed_during_upload ? "during" : "after")
                                        << " an upload");

  // Both reconnect to B and say so.
  BOOST_TEST_REQUIRE(wait_until([&] {
                       return master.metric("peranda_broker_connected") == 1 &&
                              master.metric("peranda_mqtt_broker_switches_total") >= 1;
                     }),
                     master_process->log());
  BOOST_TEST_REQUIRE(wait_until([&] { return agent_counter(master, "mqtt_broker_switches") >= 1; }),
                     agent->log() << master_process->log());
  BOOST_TEST(master.node_state(k_node) == "online");
  BOOST_TEST_REQUIRE(wait_until([&] { return online_on(b); }), agent->log());

  // An alarm raised after the kill reaches the journal through B.
  constexpr int k_after = k_before + 5000;
  write_lines(log_file, k_before, k_after);
  BOOST_TEST_REQUIRE(wait_until([&] {
                       return static_cast<int>(master.alarm_ids().size()) ==
                              alarms_in(0, k_after);
                     }),
                     agent->log() << master_process->log());
  for (const auto& [id, count] : master.alarm_ids()) BOOST_TEST(count == 1, id);

  // Pull until every line is stored; each exactly once.
  const std::vector<std::filesystem::path> stores{dir / "master" / "data"};
  BOOST_TEST_REQUIRE(wait_until([&] {
                       auto id = master.pull(k_node);
                       if (!id.empty()) wait_until([&] { return master.pull_finished(id); });
                       return static_cast<int>(stored_markers(stores, k_tag).size()) == k_after;
                     }),
                     agent->log() << master_process->log());
  int duplicated = 0;
  for (const auto& [seq, count] : stored_markers(stores, k_tag)) duplicated += count != 1;
  BOOST_TEST(duplicated == 0);
  BOOST_TEST(master.metric("peranda_broker_connected") == 1);
}
