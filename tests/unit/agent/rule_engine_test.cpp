// SPDX-License-Identifier: Apache-2.0
#include "node-agent/rules/rule_engine.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::agent;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<rule_engine> make(std::vector<rule_settings> rules) {
  auto e = rule_engine::create(std::move(rules), {"app", "sys"});
  BOOST_REQUIRE_MESSAGE(e.has_value(), (e ? std::string() : e.error().message));
  return std::move(*e);
}

rule_settings rule(std::string name, std::string pattern) {
  rule_settings r;
  r.name = std::move(name);
  r.pattern = std::move(pattern);
  return r;
}

const rule_engine::clock::time_point t0{};

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_rules)

BOOST_AUTO_TEST_CASE(one_pass_matches_every_rule_of_the_source) {
  auto a = rule("disk", "disk full");
  auto b = rule("oom", "Out of memory");
  b.sources = {"sys"};
  auto e = make({a, b});
  auto hits = e->check("sys", "disk full and Out of memory", 7, t0);
  BOOST_REQUIRE_EQUAL(hits.size(), 2u);
  BOOST_TEST(hits[0].rule == "disk");
  BOOST_TEST(hits[1].rule == "oom");
  BOOST_TEST(hits[0].offset == 7u);
  // `oom` does not watch `app`.
  BOOST_TEST(e->check("app", "Out of memory", 0, t0).empty());
  BOOST_TEST(e->check("app", "all fine", 0, t0).empty());
}

BOOST_AUTO_TEST_CASE(threshold_needs_count_matches_within_the_window) {
  auto r = rule("burst", "ERROR");
  r.threshold = 3;
  r.within = 10s;
  auto e = make({r});
  BOOST_TEST(e->check("app", "ERROR 1", 0, t0).empty());
  BOOST_TEST(e->check("app", "ERROR 2", 0, t0 + 5s).empty());
  // The first match has left the window by now.
  BOOST_TEST(e->check("app", "ERROR 3", 0, t0 + 11s).empty());
  auto hits = e->check("app", "ERROR 4", 0, t0 + 12s);
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_TEST(hits[0].line == "ERROR 4");
  // The count starts again after an alarm.
  BOOST_TEST(e->check("app", "ERROR 5", 0, t0 + 13s).empty());
}

BOOST_AUTO_TEST_CASE(cooldown_suppresses_and_the_next_alarm_reports_the_count) {
  auto r = rule("flap", "link down");
  r.cooldown = 60s;
  auto e = make({r});
  BOOST_REQUIRE_EQUAL(e->check("app", "link down", 0, t0).size(), 1u);
  for (int i = 1; i <= 4; ++i) {
    BOOST_TEST(e->check("app", "link down", 0, t0 + std::chrono::seconds(i)).empty());
  }
  auto hits = e->check("app", "link down", 0, t0 + 61s);
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_TEST(hits[0].suppressed == 4u);
  BOOST_TEST(e->check("app", "link down", 0, t0 + 62s).empty());
}

BOOST_AUTO_TEST_CASE(recovery_reports_once_and_resets_the_rule) {
  auto r = rule("svc", "service down");
  r.recovery = "service up";
  r.cooldown = 1h;
  r.level = protocol::severity::critical;
  auto e = make({r});
  BOOST_TEST(e->check("app", "service up", 0, t0).empty());  // nothing raised yet
  BOOST_REQUIRE_EQUAL(e->check("app", "service down", 0, t0).size(), 1u);
  auto rec = e->check("app", "service up", 0, t0 + 1s);
  BOOST_REQUIRE_EQUAL(rec.size(), 1u);
  BOOST_TEST(rec[0].recovery);
  BOOST_TEST((rec[0].level == protocol::severity::info));
  BOOST_TEST(e->check("app", "service up", 0, t0 + 2s).empty());
  // The cooldown ended with the recovery.
  BOOST_TEST(e->check("app", "service down", 0, t0 + 3s).size() == 1u);
}

BOOST_AUTO_TEST_CASE(rate_limit_skips_and_counts_lines) {
  auto e = make({rule("any", "x")});
  e->set_rate_limit("app", 2);
  BOOST_TEST(e->check("app", "x", 0, t0 + 1s).size() == 1u);
  BOOST_TEST(e->check("app", "x", 0, t0 + 1s).size() == 1u);
  BOOST_TEST(e->check("app", "x", 0, t0 + 1s).empty());
  BOOST_TEST(e->lines_unchecked() == 1u);
  BOOST_TEST(e->check("app", "x", 0, t0 + 2s).size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_patterns_and_sources_are_errors) {
  auto bad = rule("bad", "(unclosed");
  auto e = rule_engine::create({bad}, {"app"});
  BOOST_REQUIRE(!e);
  BOOST_TEST(e.error().message.find("bad") != std::string::npos);
  auto stray = rule("stray", "x");
  stray.sources = {"nope"};
  BOOST_TEST(!rule_engine::create({stray}, {"app"}));
}

BOOST_AUTO_TEST_SUITE_END()
