// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE master_hostile_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr auto k_ack_wait = std::chrono::seconds(60);

double rejected(const master_fixture& m, const std::string& reason) {
  return m.metric("peranda_rejected_messages_total{reason=\"" + reason + "\"}");
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hostile_input_is_rejected_counted_and_the_master_keeps_serving) {
  master_fixture m("chunk_size = \"1KiB\"");
  test_agent agent(m.mqtt().url(), "node-h", "10.6.6.6");
  agent.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-h") == "online"; }));
  const auto& t = agent.topics();
  auto root = t.root();

  // A node id that climbs out of its directory, in the topic (one level,
  // so `nodes/+/heartbeat` matches it) and in the body.
  agent.publish({root + "/nodes/../heartbeat", "{}", 1, false});
  auto hb =
      protocol::decode_heartbeat(agent.heartbeat_message(protocol::node_state::online, 1).payload)
          .value();
  auto doc = nlohmann::json::parse(protocol::encode(hb));
  doc["node"] = "../x";
  agent.publish({t.heartbeat("node-h"), doc.dump(), 1, false});

  // File names with a separator or a parent reference.
  auto bytes = std::string(3000, 'z');
  for (auto [name, transfer] : {std::pair{"../../etc/passwd", "tf1"}, {"a/b.log", "tf2"}}) {
    auto man = agent.manifest("ok.log", bytes, transfer, "req1", master_fixture::k_id, 1024);
    auto j = nlohmann::json::parse(protocol::encode(man));
    j["file"] = name;
    agent.publish({t.upload_begin("node-h", transfer), j.dump(), 1, false});
    auto ack = agent.wait_final(transfer, k_ack_wait);
    BOOST_REQUIRE(ack);
    BOOST_TEST(protocol::to_string(ack->status) == "rejected");
  }

  // A chunk index past the count, and a chunk larger than announced (and
  // than chunk_size: dropped unread, its transfer rejected).
  auto req = open_pull(m, agent, {"p.log", "f.log"});
  auto past = agent.manifest("p.log", bytes, "tp1", req, master_fixture::k_id, 1024);
  agent.send_begin(past);
  agent.publish({t.upload_chunk("node-h", "tp1", 3), "abc", 1, false});
  auto ack = agent.wait_final("tp1", k_ack_wait);
  BOOST_REQUIRE(ack);
  BOOST_TEST(ack->reason.find("past the announced count") != std::string::npos);
  auto fat = agent.manifest("f.log", bytes, "tl1", req, master_fixture::k_id, 1024);
  agent.send_begin(fat);
  agent.publish({t.upload_chunk("node-h", "tl1", 0), std::string(1500, 'y'), 1, false});
  ack = agent.wait_final("tl1", k_ack_wait);
  BOOST_REQUIRE(ack);
  BOOST_TEST(ack->reason.find("bytes") != std::string::npos);

  // 1 MiB of random bytes on every topic the master subscribes to.
  auto noise = random_bytes(1024 * 1024, 9);
  for (const auto& topic :
       {t.heartbeat("node-h"), t.alarm("node-h"), t.logs_reply("node-h"),
        t.upload_begin("node-h", "tn1"), t.upload_chunk("node-h", "tn2", 0),
        t.upload_end("node-h", "tn3"), root + "/nodes/node-h/logs/upload/tn4/x"}) {
    agent.publish({topic, noise, 1, false});
  }
  for (int i = 0; i < 3; ++i) agent.publish({t.alarm("node-h"), "not json", 1, false});
  agent.publish({t.upload_chunk("node-h", "tu1", 0), "abc", 1, false});

  BOOST_REQUIRE(wait_until([&] {
    return rejected(m, "bad_topic") >= 2 && rejected(m, "bad_heartbeat") >= 2 &&
           rejected(m, "bad_alarm") >= 4 && rejected(m, "bad_reply") >= 1 &&
           rejected(m, "bad_upload_begin") >= 3 && rejected(m, "unknown_transfer") >= 1 &&
           rejected(m, "bad_upload_end") >= 1 && rejected(m, "bad_chunk") >= 1 &&
           rejected(m, "oversized_chunk") >= 2;
  }));
  BOOST_TEST(m.running());
  // Logged once per reason, not once per message.
  BOOST_TEST(count_of(m.log(), "rejected message (bad_alarm)") == 1u);
  // Nothing was stored, nothing escaped data_dir, and the node is intact.
  BOOST_TEST(stored_files(m.data_dir()).empty());
  BOOST_TEST(!std::filesystem::exists(m.dir() / "x"));
  BOOST_TEST(m.node_state("node-h") == "online");

  // A reply to another master's request is not ours and not invalid; a
  // reply to a request this master never sent is counted. (Same sender,
  // so once the second is counted the first was handled too.)
  protocol::logs_reply reply;
  reply.request_id = "someone-elses";
  reply.master_id = "m2";
  reply.status = protocol::reply_status::empty;
  agent.publish({t.logs_reply("node-h"), protocol::encode(reply), 1, false});
  reply.master_id = master_fixture::k_id;
  agent.publish({t.logs_reply("node-h"), protocol::encode(reply), 1, false});
  BOOST_REQUIRE(wait_until([&] { return rejected(m, "unknown_request") >= 1; }));
  BOOST_TEST(rejected(m, "unknown_request") == 1);

  // The master still serves: a real pull works.
  agent.add_file("fine.log", "still fine\n");
  agent.serve(master_fixture::k_id);
  auto id = m.pull("node-h");
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(id); }));
  BOOST_TEST(read_all(m.data_dir() / "10.6.6.6" / "node-h" / "fine.log") == "still fine\n");
}

// Behind a broker without the peranda plugin (a bridge, aedes), retained
// uploads and alarms are stored and replayed at every subscription; the
// master acts on them once, when they are live, and not at its next start.
BOOST_AUTO_TEST_CASE(retained_begins_and_alarms_are_ignored_at_a_start) {
  master_fixture m;
  test_agent agent(m.mqtt().url(), "node-r", "10.6.6.7");
  agent.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-r") == "online"; }));
  const auto& t = agent.topics();
  auto bytes = std::string(1000, 'r');
  auto planted = agent.manifest("r.log", bytes, "tr1", "p-none", master_fixture::k_id, 1024);
  agent.publish({t.upload_begin("node-r", "tr1"), protocol::encode(planted), 1, true});
  agent.send_alarm(agent.alarm("planted-1", "Out of memory"), true);
  BOOST_REQUIRE(agent.wait_final("tr1", k_ack_wait));
  BOOST_REQUIRE(wait_until([&] { return m.metric("peranda_alarms_total") == 1; }));

  m.stop();
  m.start();
  BOOST_REQUIRE(wait_until([&] { return rejected(m, "retained_ignored") >= 2; }));
  // A live begin is answered after the replay; the replayed one was not.
  auto live = agent.manifest("l.log", bytes, "tl1", "p-none", master_fixture::k_id, 1024);
  agent.send_begin(live);
  BOOST_REQUIRE(agent.wait_final("tl1", k_ack_wait));
  BOOST_TEST(agent.acks_seen() == 2u);
  BOOST_TEST(m.metric("peranda_alarms_total") == 0);
  BOOST_TEST(m.metric("peranda_alarm_duplicates_total") == 0);
}
