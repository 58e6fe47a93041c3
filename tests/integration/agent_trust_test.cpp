// SPDX-License-Identifier: Apache-2.0
// Which masters a real peranda-agent takes orders from (docs/agent.md,
// "Which masters are trusted"), played on a plain broker by a test client
// that speaks for any master id: a `complete` deletes a spool file only from
// the master whose request is served and with the sha256 the agent sent;
// `[agent] masters` refuses other masters' requests and acks; retained
// requests and acks left on the broker are not acted on at a reconnect.
#define BOOST_TEST_MODULE agent_trust_test
#include <boost/test/unit_test.hpp>

#include "core/fs/sha256.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/util/clock.hpp"
#include "tests/integration/agent_fixture.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

const protocol::topic_scheme k_topics;
const std::string k_file = "spool-0000000000001-000000.log";

// Masters as the broker sees them: one client that may publish with any
// master id and records uploads, replies and the agent's heartbeat.
class masters {
 public:
  explicit masters(const agent_rig& rig)
      : rec_(rig.b.url(), "test-masters",
             {k_topics.all_uploads(), k_topics.logs_reply(k_node), k_topics.heartbeat(k_node)}) {}

  void wait_agent_online() const {
    BOOST_REQUIRE(wait_until([&] {
      auto hb = rec_.last_heartbeat();
      return hb && hb->state == protocol::node_state::online;
    }));
  }

  std::uint64_t counter(const std::string& name) const {
    auto hb = rec_.last_heartbeat();
    return hb ? hb->counters[name] : 0;
  }

  bool counter_reaches(const std::string& name, std::uint64_t n) const {
    return wait_until([&] { return counter(name) >= n; });
  }

  void publish(const std::string& topic, const std::string& payload, bool retained = false) {
    BOOST_REQUIRE(rec_.session().publish({topic, payload, 1, retained}).has_value());
  }

  void request(const std::string& master, const std::string& id, bool retained = false) {
    protocol::logs_request r{
        id, master, {}, 64 * 1024, 8, wall_clock_ms() + 120'000, wall_clock_ms(), {}, {}};
    publish(k_topics.logs_request(k_node), protocol::encode(r), retained);
  }

  void complete(const std::string& transfer, const std::string& master, const std::string& sha) {
    protocol::logs_ack a;
    a.transfer_id = transfer;
    a.master_id = master;
    a.status = protocol::ack_status::complete;
    a.sha256 = sha;
    publish(k_topics.logs_ack(k_node), protocol::encode(a));
  }

  std::vector<protocol::logs_reply> replies(const std::string& request_id) const {
    std::vector<protocol::logs_reply> out;
    for (const auto& m : rec_.on("/logs/reply")) {
      auto r = protocol::decode_logs_reply(m.payload);
      BOOST_REQUIRE(r.has_value());
      if (r->request_id == request_id) out.push_back(*r);
    }
    return out;
  }

  protocol::logs_reply reply_to(const std::string& request_id) const {
    BOOST_REQUIRE(wait_until([&] { return !replies(request_id).empty(); }));
    return replies(request_id).front();
  }

  // The first `begin` the agent published.
  protocol::upload_begin first_begin() const {
    BOOST_REQUIRE(wait_until([&] { return !rec_.on("/begin").empty(); }));
    auto b = protocol::decode_upload_begin(rec_.on("/begin").front().payload);
    BOOST_REQUIRE(b.has_value());
    return *b;
  }

 private:
  recorder rec_;
};

// A closed spool file; returns its sha256.
std::string make_spool_file(const agent_rig& rig) {
  std::filesystem::create_directories(rig.spool_files());
  std::string text;
  for (int i = 0; text.size() < 300'000; ++i) text += fmt::format("line {} of the spool\n", i);
  std::ofstream(rig.spool_files() / k_file, std::ios::binary) << text;
  return sha256_hex(text);
}

}  // namespace

// The transfer stalls (no master stores it, ack_timeout 1h), so nothing but
// the acks below can end it.
BOOST_AUTO_TEST_CASE(a_complete_deletes_only_from_the_serving_master_with_the_sha256_sent) {
  agent_rig rig("", "ack_timeout = \"1h\"\n");
  auto sha = make_spool_file(rig);
  masters m(rig);
  rig.start_agent("starting;");
  m.wait_agent_online();
  m.request("m1", "r1");
  auto begin = m.first_begin();
  BOOST_TEST(begin.sha256 == sha);
  BOOST_TEST(begin.master_id == "m1");

  m.complete(begin.transfer_id, "m2", sha);                   // another master, right digest
  m.complete(begin.transfer_id, "m1", std::string(64, '0'));  // the master's id, wrong digest
  m.complete(begin.transfer_id, "m1", "");                    // no digest at all
  BOOST_REQUIRE_MESSAGE(m.counter_reaches("acks_refused", 3), rig.log());
  BOOST_TEST(std::filesystem::exists(rig.spool_files() / k_file));
  BOOST_TEST(m.counter("uploads_done") == 0u);
  BOOST_TEST(rig.count_in_log("refused logs ack (1 so far)") == 1u);

  m.complete(begin.transfer_id, "m1", sha);
  BOOST_REQUIRE(wait_until([&] { return !std::filesystem::exists(rig.spool_files() / k_file); }));
  BOOST_REQUIRE(m.counter_reaches("uploads_done", 1));
  BOOST_TEST(m.counter("acks_refused") == 3u);
}

BOOST_AUTO_TEST_CASE(with_a_masters_list_other_masters_are_refused) {
  agent_rig rig("", "ack_timeout = \"1h\"\nmasters = [\"m1\"]\n");
  auto sha = make_spool_file(rig);
  masters m(rig);
  rig.start_agent("starting;");
  m.wait_agent_online();

  // One reply per request still holds: m2's pull ends at once, with the reason.
  m.request("m2", "r-m2");
  auto refused = m.reply_to("r-m2");
  BOOST_TEST((refused.status == protocol::reply_status::failed));
  BOOST_TEST(refused.master_id == "m2");
  BOOST_TEST(refused.reason == "master 'm2' is not in this node's [agent] masters");
  BOOST_REQUIRE(m.counter_reaches("requests_refused", 1));
  BOOST_TEST(std::filesystem::exists(rig.spool_files() / k_file));

  m.request("m1", "r-m1");
  BOOST_TEST((m.reply_to("r-m1").status == protocol::reply_status::accepted));
  auto begin = m.first_begin();
  BOOST_TEST(begin.request_id == "r-m1");
  m.complete(begin.transfer_id, "m2", sha);
  m.publish(k_topics.alarm_ack(k_node), R"({"v":1,"master_id":"m2","ids":["a1"]})");
  BOOST_REQUIRE(m.counter_reaches("acks_refused", 1));
  BOOST_REQUIRE(m.counter_reaches("alarm_acks_refused", 1));
  BOOST_TEST(std::filesystem::exists(rig.spool_files() / k_file));

  m.complete(begin.transfer_id, "m1", sha);
  BOOST_REQUIRE(wait_until([&] { return !std::filesystem::exists(rig.spool_files() / k_file); }));
  BOOST_TEST(m.replies("r-m2").size() == 1u);
}

// Masters never retain requests or acks; one left retained (by mistake or
// by an attacker) is sent again by the broker at every subscribe, and must
// not be served again at every reconnect.
BOOST_AUTO_TEST_CASE(retained_requests_and_acks_are_not_acted_on_at_a_reconnect) {
  agent_rig rig("");
  masters m(rig);
  rig.start_agent("starting;");
  m.wait_agent_online();
  m.request("m1", "r-retained", true);
  BOOST_TEST((m.reply_to("r-retained").status == protocol::reply_status::empty));
  m.publish(k_topics.logs_ack(k_node),
            R"({"v":1,"transfer_id":"t1-1","master_id":"m1","status":"complete","sha256":""})",
            true);
  m.publish(k_topics.alarm_ack(k_node), R"({"v":1,"master_id":"m1","ids":["a1"]})", true);

  rig.agent->stop();
  rig.start_agent("starting;", 2);
  BOOST_REQUIRE_MESSAGE(m.counter_reaches("messages_retained_ignored", 3), rig.log());
  // A request after the reconnect is answered; the retained one was not
  // served again before it (the agent handles its messages in order).
  m.request("m1", "r-live");
  BOOST_TEST((m.reply_to("r-live").status == protocol::reply_status::empty));
  BOOST_TEST(m.replies("r-retained").size() == 1u);
  BOOST_TEST(m.counter("acks_refused") == 0u);
}
