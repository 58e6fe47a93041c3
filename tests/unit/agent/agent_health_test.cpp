// SPDX-License-Identifier: Apache-2.0
#include "node-agent/health/agent_health.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::agent;
using namespace std::chrono_literals;

namespace {

agent_health_facts healthy() {
  agent_health_facts f;
  f.spool_bytes = 10;
  f.spool_max_bytes = 1000;
  f.alarm_wait_bound = 5min;
  return f;
}

std::vector<std::string> codes(const agent_health_facts& f) {
  std::vector<std::string> out;
  for (const auto& r : judge_agent_health(f)) out.push_back(r.code);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_health)

BOOST_AUTO_TEST_CASE(healthy_facts_give_no_reason_and_summarize_as_ok) {
  BOOST_TEST(judge_agent_health(healthy()).empty());
  BOOST_TEST(summarize({}) == "ok");
}

BOOST_AUTO_TEST_CASE(a_spool_above_80_percent_of_its_cap_is_near_full) {
  auto f = healthy();
  f.spool_bytes = 800;
  BOOST_TEST(judge_agent_health(f).empty());
  f.spool_bytes = 801;
  BOOST_TEST(codes(f) == std::vector<std::string>{"spool_near_full"});
  // Huge caps do not wrap.
  f.spool_max_bytes = ~0ull;
  f.spool_bytes = ~0ull / 10 * 9;
  BOOST_TEST(codes(f) == std::vector<std::string>{"spool_near_full"});
  f.spool_bytes = ~0ull / 10 * 7;
  BOOST_TEST(judge_agent_health(f).empty());
}

BOOST_AUTO_TEST_CASE(an_alarm_waiting_past_the_bound_is_reported) {
  auto f = healthy();
  f.oldest_alarm_wait = 5min;
  BOOST_TEST(judge_agent_health(f).empty());
  f.oldest_alarm_wait = 5min + 1s;
  auto r = judge_agent_health(f);
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].code == "alarms_waiting");
  BOOST_TEST(r[0].text.find("301 s") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(each_failing_source_is_named_within_the_wire_bounds) {
  auto f = healthy();
  f.failing_sources = {{"app", "command failed: [exit] status 3"},
                       {"syslog", std::string(1000, 'x')}};
  auto r = judge_agent_health(f);
  BOOST_REQUIRE(r.size() == 2u);
  BOOST_TEST(r[0].code == "source_failing");
  BOOST_TEST(r[0].text.find("'app'") != std::string::npos);
  BOOST_TEST(r[0].text.find("status 3") != std::string::npos);
  BOOST_TEST(r[1].text.size() <= 256u);
  BOOST_TEST(summarize(r) == "degraded: source_failing, source_failing");
}

BOOST_AUTO_TEST_CASE(many_failing_sources_fit_the_reason_limit) {
  auto f = healthy();
  f.spool_bytes = 1000;
  for (int i = 0; i < 20; ++i) f.failing_sources.emplace(fmt::format("s{:02}", i), "broken");
  auto r = judge_agent_health(f);
  BOOST_TEST(r.size() == protocol::k_max_health_reasons);
  BOOST_TEST(r.front().code == "spool_near_full");
  BOOST_TEST(r.back().text.find("14 more source(s)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
