// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE ctl_master_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

struct ctl_run {
  int status = -1;
  std::string output;
};

// Runs peranda-ctl to completion; output is stdout and stderr together.
ctl_run ctl(const master_fixture& m, std::vector<std::string> args, const std::string& url = "") {
  static int runs = 0;
  auto log = m.dir() / fmt::format("ctl-{}.log", ++runs);
  std::vector<std::string> argv{program("peranda-ctl"), "-m", url.empty() ? m.api_url() : url};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, log);
  ctl_run r;
  r.status = p.wait_exit(std::chrono::seconds(60));
  r.output = p.log();
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ctl_lists_pulls_and_shows_alarms_and_transfers) {
  master_fixture m;
  test_agent agent(m.mqtt().url(), "node-c", "10.5.5.5");
  agent.heartbeat();
  agent.serve(master_fixture::k_id);
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-c") == "online"; }));
  // A new node is pulled at once; let that first (empty) pull settle so the
  // file below is uploaded by the ctl's pull, not by the scheduler's.
  BOOST_REQUIRE(wait_until([&] {
    auto pulls = m.get("/api/v1/pulls");
    if (!pulls.is_object()) return false;
    for (const auto& p : pulls["pulls"]) {
      if (p.value("node", "") == "node-c" && p.value("finished", false)) {
        // A finished pull says when it ended, never before it was sent.
        BOOST_TEST(p.value("ended", 0ull) >= p.value("sent", 0ull));
        BOOST_TEST(p.value("sent", 0ull) > 0u);
        return true;
      }
    }
    return false;
  }));
  agent.add_file("c.log", random_bytes(200 * 1024, 11));

  auto nodes = ctl(m, {"nodes"});
  BOOST_TEST(nodes.status == 0);
  BOOST_TEST(nodes.output.find("node-c") != std::string::npos);
  BOOST_TEST(nodes.output.find("10.5.5.5") != std::string::npos);
  auto json = ctl(m, {"--json", "nodes"});
  BOOST_TEST(json.status == 0);
  BOOST_TEST(nlohmann::json::parse(json.output)["nodes"][0]["node"] == "node-c");
  // One master alone owns every node; `masters` lists it.
  BOOST_TEST(nodes.output.find("OWNER") != std::string::npos);
  BOOST_TEST(nlohmann::json::parse(json.output)["nodes"][0]["owner"] == master_fixture::k_id);
  auto masters = ctl(m, {"masters"});
  BOOST_TEST(masters.status == 0);
  BOOST_TEST(masters.output.find(std::string(master_fixture::k_id) + " ") != std::string::npos,
             masters.output);
  BOOST_TEST(masters.output.find("(this one)") != std::string::npos, masters.output);
  auto json_masters = ctl(m, {"--json", "masters"});
  BOOST_TEST(json_masters.status == 0);
  auto listed = nlohmann::json::parse(json_masters.output)["masters"];
  BOOST_REQUIRE_EQUAL(listed.size(), 1u);
  BOOST_TEST(listed[0]["nodes_owned"] == 1);
  BOOST_TEST(listed[0]["self"] == true);

  // --json: each command prints one JSON document, the API's response.
  auto json_transfers = ctl(m, {"--json", "transfers"});
  BOOST_TEST(json_transfers.status == 0);
  auto transfers_doc = nlohmann::json::parse(json_transfers.output);  // throws unless one document
  BOOST_TEST(transfers_doc["transfers"].is_array());
  BOOST_TEST(transfers_doc["queues"].size() == m.get("/api/v1/transfers")["queues"].size());

  auto pull = ctl(m, {"pull", "node-c", "--wait"});
  BOOST_TEST(pull.status == 0);
  BOOST_TEST(pull.output.find("stored") != std::string::npos);
  BOOST_TEST(std::filesystem::exists(m.data_dir() / "10.5.5.5" / "node-c" / "c.log"));

  auto transfers = ctl(m, {"transfers"});
  BOOST_TEST(transfers.status == 0);
  BOOST_TEST(transfers.output.find("QUEUE") != std::string::npos);

  auto a = agent.alarm("c1", "disk almost full");
  agent.send_alarm(a);
  BOOST_REQUIRE(wait_until([&] { return m.metric("peranda_alarms_total") == 1; }));
  auto alarms = ctl(m, {"alarms"});
  BOOST_TEST(alarms.status == 0);
  BOOST_TEST(alarms.output.find("disk almost full") != std::string::npos);
  auto json_alarms = ctl(m, {"--json", "alarms"});
  BOOST_TEST(json_alarms.status == 0);
  // One document (parse throws on a second one), equal to the API's.
  BOOST_TEST(nlohmann::json::parse(json_alarms.output) == m.get("/api/v1/alarms?since=0"),
             json_alarms.output);
  BOOST_TEST(nlohmann::json::parse(json_alarms.output)["alarms"][0]["line"] == "disk almost full");

  // --follow keeps printing until stopped.
  auto follow_log = m.dir() / "follow.log";
  child_process follower({program("peranda-ctl"), "-m", m.api_url(), "alarms", "--follow"},
                         follow_log);
  // New alarms until one shows (the follower may connect after the first).
  a.line = "disk full now";
  int n = 0;
  BOOST_TEST(wait_until([&] {
    a.id = fmt::format("c2-{}", ++n);
    agent.send_alarm(a);
    return follower.log().find("disk full now") != std::string::npos;
  }));
  follower.stop();
}

// Nothing but the JSON goes to stdout: also not "had nothing to upload".
BOOST_AUTO_TEST_CASE(ctl_json_pull_prints_one_document) {
  master_fixture m;
  test_agent agent(m.mqtt().url(), "node-e", "10.5.5.7");
  agent.heartbeat();
  agent.serve(master_fixture::k_id);
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-e") == "online"; }));
  // Let the first pull of a new node end, so the ctl's pull is not refused as busy.
  BOOST_REQUIRE(wait_until([&] {
    auto pulls = m.get("/api/v1/pulls");
    if (!pulls.is_object()) return false;
    for (const auto& p : pulls["pulls"])
      if (p.value("node", "") == "node-e" && p.value("finished", false)) return true;
    return false;
  }));
  auto waited = ctl(m, {"--json", "pull", "node-e", "--wait"});
  BOOST_TEST(waited.status == 0, waited.output);
  auto pull = nlohmann::json::parse(waited.output);
  BOOST_TEST(pull.value("status", "") == "empty");
  BOOST_TEST(pull == m.get("/api/v1/pulls/" + pull.value("request_id", "")));

  auto started = ctl(m, {"--json", "pull", "node-e"});
  BOOST_TEST(started.status == 0, started.output);
  BOOST_TEST(!nlohmann::json::parse(started.output).value("request_id", "").empty());
}

BOOST_AUTO_TEST_CASE(ctl_says_clearly_when_the_master_is_unreachable) {
  master_fixture m;
  auto dead = "http://127.0.0.1:" + std::to_string(free_port());
  auto r = ctl(m, {"nodes"}, dead);
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.output.find("cannot reach the master") != std::string::npos);
  auto missing = ctl(m, {"pull", "no-such-node"});
  BOOST_TEST(missing.status == 1);
  BOOST_TEST(missing.output.find("no such node") != std::string::npos);
}

// A node that never answers (as one gone offline) does not hang `pull --wait`.
BOOST_AUTO_TEST_CASE(pull_wait_gives_up_after_its_timeout_naming_the_node_state) {
  master_fixture m;
  test_agent agent(m.mqtt().url(), "node-s", "10.5.5.6");
  agent.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-s") == "online"; }));
  auto pull = ctl(m, {"pull", "node-s", "--wait", "--timeout", "1s"});
  BOOST_TEST(pull.status == 1);
  BOOST_TEST(pull.output.find("after 1000 ms (node state: online); it goes on in the master") !=
                 std::string::npos,
             pull.output);
  auto bad = ctl(m, {"pull", "node-s", "--wait", "--timeout", "soon"});
  BOOST_TEST(bad.status == 2);
  BOOST_TEST(bad.output.find("--timeout: ") != std::string::npos, bad.output);
}

BOOST_AUTO_TEST_CASE(with_a_token_the_api_refuses_strangers_and_ctl_uses_the_config) {
  master_fixture m("", "1h", "0123456789abcdef-secret");
  httplib::Client stranger(m.api_url());
  auto res = stranger.Get("/api/v1/nodes");
  BOOST_REQUIRE(res);
  BOOST_TEST(res->status == 401);
  auto health = stranger.Get("/healthz");
  BOOST_REQUIRE(health);
  BOOST_TEST(health->status == 200);
  BOOST_TEST(m.get("/api/v1/nodes").is_object());  // the fixture sends the token

  child_process ok({program("peranda-ctl"), "-c", m.config().string(), "nodes"},
                   m.dir() / "ctl-config.log");
  BOOST_TEST(ok.wait_exit(std::chrono::seconds(60)) == 0);
  BOOST_TEST(ok.log().find("NODE") != std::string::npos);
  auto refused = ctl(m, {"nodes"});  // -m without a token
  BOOST_TEST(refused.status == 1);
  BOOST_TEST(refused.output.find("401") != std::string::npos);
}
