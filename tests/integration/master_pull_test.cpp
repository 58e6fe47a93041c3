// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE master_pull_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

void wait_online(master_fixture& m, const std::string& node) {
  BOOST_REQUIRE(wait_until([&] { return m.node_state(node) == "online"; }));
}

}  // namespace

BOOST_AUTO_TEST_CASE(pull_stores_the_file_byte_identical_under_its_ip) {
  master_fixture m;
  test_agent agent(m.mqtt().url(), "node-a", "10.1.2.3");
  auto bytes = random_bytes(300 * 1024 + 17, 1);
  agent.add_file("app.log", bytes);
  agent.heartbeat();
  wait_online(m, "node-a");
  agent.serve(master_fixture::k_id);

  auto id = m.pull("node-a");
  BOOST_REQUIRE(!id.empty());
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(id); }));
  BOOST_TEST(m.pull_status(id)["status"] == "done");

  auto stored = m.data_dir() / "10.1.2.3" / "node-a" / "app.log";
  BOOST_REQUIRE(std::filesystem::exists(stored));
  BOOST_TEST((read_all(stored) == bytes));
  BOOST_TEST(stored_files(m.data_dir()).size() == 1u);
  // The agent deleted its copy only because the master acked `complete`.
  BOOST_TEST(wait_until([&] { return !agent.has_file("app.log"); }));
  BOOST_TEST(m.metric("peranda_files_stored_total") == 1);
  BOOST_TEST(m.metric("peranda_bytes_stored_total") == static_cast<double>(bytes.size()));
}

BOOST_AUTO_TEST_CASE(two_nodes_behind_one_ip_never_overwrite_each_other) {
  master_fixture m;
  test_agent a(m.mqtt().url(), "node-a", "192.168.0.10");
  test_agent b(m.mqtt().url(), "node-b", "192.168.0.10");
  a.add_file("syslog", "from a\n");
  b.add_file("syslog", "from b, longer\n");
  for (auto* agent : {&a, &b}) {
    agent->heartbeat();
    wait_online(m, agent->node());
    agent->serve(master_fixture::k_id);
  }
  auto ida = m.pull("node-a");
  auto idb = m.pull("node-b");
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(ida) && m.pull_finished(idb); }));
  BOOST_TEST(read_all(m.data_dir() / "192.168.0.10" / "node-a" / "syslog") == "from a\n");
  BOOST_TEST(read_all(m.data_dir() / "192.168.0.10" / "node-b" / "syslog") == "from b, longer\n");
}

BOOST_AUTO_TEST_CASE(workers_pull_every_interval_without_being_asked) {
  master_fixture m("", "1s");
  test_agent agent(m.mqtt().url(), "node-p", "10.0.0.7");
  agent.serve(master_fixture::k_id);
  agent.add_file("one.log", "first\n");
  agent.heartbeat();
  auto first = m.data_dir() / "10.0.0.7" / "node-p" / "one.log";
  BOOST_REQUIRE(wait_until([&] { return std::filesystem::exists(first); }));
  // A later file is collected by a later periodic pull.
  agent.add_file("two.log", "second\n");
  auto second = m.data_dir() / "10.0.0.7" / "node-p" / "two.log";
  BOOST_REQUIRE(wait_until([&] { return std::filesystem::exists(second); }));
  BOOST_TEST(read_all(second) == "second\n");
}

BOOST_AUTO_TEST_CASE(an_offline_node_is_not_pulled_until_it_is_back) {
  master_fixture m;
  test_agent agent(m.mqtt().url(), "node-o", "10.0.0.8");
  agent.serve(master_fixture::k_id);
  agent.add_file("x.log", "x\n");
  agent.heartbeat(protocol::node_state::offline);
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-o") == "offline"; }));
  auto id = m.pull("node-o");
  BOOST_REQUIRE(!id.empty());
  BOOST_TEST(m.pull_status(id)["status"] == "queued");
  BOOST_TEST(agent.requests_seen() == 0u);
  agent.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(id); }));
  BOOST_TEST(read_all(m.data_dir() / "10.0.0.8" / "node-o" / "x.log") == "x\n");
}

BOOST_AUTO_TEST_CASE(pull_of_an_unknown_node_is_refused) {
  master_fixture m;
  BOOST_TEST(m.pull("nobody").empty());
  BOOST_TEST(nlohmann::json::parse(m.get_text("/healthz")).value("status", "") == "ok");
}

BOOST_AUTO_TEST_CASE(a_stalled_upload_does_not_hold_up_the_rest_of_its_queue) {
  master_fixture m("workers = 1\nchunk_size = \"1KiB\"\ntransfer_idle_timeout = \"10s\"");
  test_agent stuck(m.mqtt().url(), "node-stuck", "10.2.0.1");
  test_agent fine(m.mqtt().url(), "node-fine", "10.2.0.2");
  stuck.add_file("s.log", random_bytes(8000, 21));
  fine.add_file("f.log", "fine\n");
  stuck.serve(master_fixture::k_id, {.stall = true});
  fine.serve(master_fixture::k_id);
  for (auto* a : {&stuck, &fine}) {
    a->heartbeat();
    wait_online(m, a->node());
  }
  auto stuck_id = m.pull("node-stuck");
  BOOST_REQUIRE(wait_until([&] {
    auto t = m.get("/api/v1/transfers");
    return t.is_object() && t["transfers"].size() == 1;
  }));
  auto fine_id = m.pull("node-fine");
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(fine_id); }));
  BOOST_TEST(read_all(m.data_dir() / "10.2.0.2" / "node-fine" / "f.log") == "fine\n");
  // The stalled transfer is dropped by its idle timeout; the file stays
  // with the agent for a later pull.
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(stuck_id); }));
  auto p = m.pull_status(stuck_id);
  BOOST_TEST(p["files"]["s.log"]["stored"] == false);
  BOOST_TEST(p["files"]["s.log"]["reason"].get<std::string>().find("idle") != std::string::npos);
  BOOST_TEST(stuck.has_file("s.log"));
  BOOST_TEST(m.metric("peranda_transfers_rejected_total{reason=\"idle_timeout\"}") == 1);
}
