// SPDX-License-Identifier: Apache-2.0
#include "master-service/health/health_verdict.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;
using namespace std::chrono_literals;

namespace {

health_facts healthy() {
  health_facts f;
  f.broker_connected = true;
  f.free_bytes = 10ull << 30;
  f.min_free_bytes = 256ull << 20;
  f.pull_interval = 60s;
  return f;
}

std::vector<std::string> codes(const health_facts& f) {
  std::vector<std::string> out;
  for (const auto& r : judge_health(f)) out.push_back(r.code);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(master_health_verdict)

BOOST_AUTO_TEST_CASE(healthy_facts_give_no_reason) { BOOST_TEST(judge_health(healthy()).empty()); }

BOOST_AUTO_TEST_CASE(each_fact_gives_its_own_code_and_says_where) {
  auto f = healthy();
  f.broker_connected = false;
  BOOST_TEST(codes(f) == std::vector<std::string>{"broker_disconnected"});

  f = healthy();
  f.journal_error = "cannot create '/j/.peranda-health-probe': Not a directory";
  auto r = judge_health(f);
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].code == "journal_unwritable");
  BOOST_TEST(r[0].text.find("/j/") != std::string::npos);

  f = healthy();
  f.data_dir_error = "cannot create '/d/x': Read-only file system";
  BOOST_TEST(codes(f) == std::vector<std::string>{"data_dir_unwritable"});
}

BOOST_AUTO_TEST_CASE(free_space_below_the_floor_is_unhealthy_and_zero_turns_it_off) {
  auto f = healthy();
  f.free_bytes = f.min_free_bytes - 1;
  auto r = judge_health(f);
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].code == "disk_space_low");
  BOOST_TEST(r[0].text.find(std::to_string(f.min_free_bytes)) != std::string::npos);
  f.free_bytes = f.min_free_bytes;  // at the floor: still fine
  BOOST_TEST(judge_health(f).empty());
  f.free_bytes = 0;
  f.min_free_bytes = 0;
  BOOST_TEST(judge_health(f).empty());
  f.min_free_bytes = 1;
  f.free_bytes.reset();  // unknown: data_dir_error reports why, not a guess here
  BOOST_TEST(judge_health(f).empty());
}

BOOST_AUTO_TEST_CASE(lagging_pulls_name_the_latest_node) {
  auto f = healthy();
  f.late_nodes = 3;
  f.most_late_node = "node-7";
  f.most_late = 200s;
  auto r = judge_health(f);
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].code == "pulls_lagging");
  BOOST_TEST(r[0].text.find("node-7") != std::string::npos);
  BOOST_TEST(r[0].text.find("3 online") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_reason_is_listed_in_a_fixed_order) {
  health_facts f;
  f.journal_error = "j";
  f.data_dir_error = "d";
  f.free_bytes = 0;
  f.min_free_bytes = 1;
  f.late_nodes = 1;
  BOOST_TEST(codes(f) ==
             (std::vector<std::string>{"broker_disconnected", "journal_unwritable",
                                       "data_dir_unwritable", "disk_space_low", "pulls_lagging"}));
}

BOOST_AUTO_TEST_SUITE_END()
