// SPDX-License-Identifier: Apache-2.0
// /healthz tells the truth: every reason it gives is driven here for real
// (a broker stopped and started again, a free-space floor, a data_dir and a
// journal that cannot be written, pulls that do not happen) and goes away
// again when its cause does.
#define BOOST_TEST_MODULE master_health_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

struct health {
  int status = 0;
  nlohmann::json body;
  bool has(const std::string& code) const {
    if (!body.is_object()) return false;
    for (const auto& r : body["reasons"]) {
      if (r.value("code", "") == code) return true;
    }
    return false;
  }
  std::size_t reasons() const { return body.is_object() ? body["reasons"].size() : 0; }
};

health healthz(const master_fixture& m) {
  auto c = m.client();
  auto res = c.Get("/healthz");
  if (!res) return {};
  return {res->status, nlohmann::json::parse(res->body, nullptr, false)};
}

bool healthy(const master_fixture& m) {
  auto h = healthz(m);
  return h.status == 200 && h.body.value("status", "") == "ok" && h.reasons() == 0;
}

// 503 with `code` among the reasons.
bool unhealthy_for(const master_fixture& m, const std::string& code) {
  auto h = healthz(m);
  return h.status == 503 && h.body.value("status", "") == "unhealthy" && h.has(code);
}

}  // namespace

BOOST_AUTO_TEST_CASE(broker_down_is_503_and_back_is_200) {
  master_fixture m;
  BOOST_REQUIRE(wait_until([&] { return healthy(m); }));
  m.mqtt().stop();
  BOOST_REQUIRE(wait_until([&] { return unhealthy_for(m, "broker_disconnected"); }));
  auto h = healthz(m);
  BOOST_TEST(h.reasons() == 1u, h.body.dump());
  BOOST_TEST(h.body["reasons"][0].value("text", "").find("broker") != std::string::npos);
  m.mqtt().start();
  BOOST_TEST(wait_until([&] { return healthy(m); }), healthz(m).body.dump());
}

BOOST_AUTO_TEST_CASE(free_space_below_the_configured_floor_is_503) {
  master_fixture m("min_free_bytes = \"1000000TiB\"");
  BOOST_REQUIRE(wait_until([&] { return unhealthy_for(m, "disk_space_low"); }));
  auto h = healthz(m);
  BOOST_TEST(h.reasons() == 1u, h.body.dump());
  BOOST_TEST(h.body["reasons"][0].value("text", "").find("min_free_bytes") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_data_dir_that_cannot_be_written_is_503_until_it_can) {
  master_fixture m;
  BOOST_REQUIRE(wait_until([&] { return healthy(m); }));
  // Root writes through any mode bits: put a file where the folder was.
  auto away = m.dir() / "data-away";
  std::filesystem::rename(m.data_dir(), away);
  std::ofstream(m.data_dir()) << "not a folder\n";
  BOOST_REQUIRE(wait_until([&] { return unhealthy_for(m, "data_dir_unwritable"); }));
  auto h = healthz(m);
  // The journal lives in data_dir here: it is unwritable too.
  BOOST_TEST(h.has("journal_unwritable"), h.body.dump());
  BOOST_TEST(h.body.dump().find(m.data_dir().string()) != std::string::npos, h.body.dump());
  std::filesystem::remove(m.data_dir());
  std::filesystem::rename(away, m.data_dir());
  BOOST_TEST(wait_until([&] { return healthy(m); }), healthz(m).body.dump());
}

BOOST_AUTO_TEST_CASE(a_journal_that_cannot_be_opened_is_503_until_it_can) {
  master_fixture m;
  BOOST_REQUIRE(wait_until([&] { return healthy(m); }));
  auto journal = m.data_dir() / "alarms.jsonl";
  BOOST_REQUIRE(std::filesystem::exists(journal));
  std::filesystem::rename(journal, m.dir() / "alarms-away.jsonl");
  std::filesystem::create_directory(journal);
  BOOST_REQUIRE(wait_until([&] { return unhealthy_for(m, "journal_unwritable"); }));
  auto h = healthz(m);
  BOOST_TEST(h.reasons() == 1u, h.body.dump());
  std::filesystem::remove(journal);
  std::filesystem::rename(m.dir() / "alarms-away.jsonl", journal);
  BOOST_TEST(wait_until([&] { return healthy(m); }), healthz(m).body.dump());
}

BOOST_AUTO_TEST_CASE(an_online_node_not_pulled_for_two_intervals_is_503_until_pulled) {
  master_fixture m("", "1s");
  // Online, but answers no request: its pulls time out.
  test_agent mute(m.mqtt().url(), "node-mute", "10.9.0.1");
  mute.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-mute") == "online"; }));
  BOOST_REQUIRE(wait_until([&] { return unhealthy_for(m, "pulls_lagging"); }));
  BOOST_TEST(healthz(m).body.dump().find("node-mute") != std::string::npos);
  mute.serve(master_fixture::k_id);
  BOOST_TEST(wait_until([&] { return healthy(m); }), healthz(m).body.dump());
}
