// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_journal.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::master;

namespace {

protocol::alarm alarm_with(std::string id) {
  protocol::alarm a;
  a.id = std::move(id);
  a.node = "n1";
  a.rule = "r";
  a.source = "s";
  a.line = "boom";
  return a;
}

std::size_t line_count(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(master_alarm_journal)

BOOST_AUTO_TEST_CASE(each_id_is_appended_once_also_after_reopening) {
  test::temp_dir dir;
  auto path = dir / "sub" / "alarms.jsonl";
  {
    alarm_journal j(path, true, {});
    BOOST_REQUIRE(j.open());
    BOOST_TEST(j.append(alarm_with("a"), 100).value().has_value());
    BOOST_TEST(!j.append(alarm_with("a"), 101).value().has_value());
    BOOST_TEST(j.append(alarm_with("b"), 102).value().has_value());
  }
  // A crash may leave a torn last line; it is skipped.
  std::ofstream(path, std::ios::app) << "{\"id\":\"tor";
  alarm_journal j(path, false, {});
  BOOST_REQUIRE(j.open());
  BOOST_TEST(!j.append(alarm_with("b"), 103).value().has_value());
  BOOST_TEST(j.append(alarm_with("c"), 104).value().has_value());
  BOOST_TEST(line_count(path) == 4u);  // a, b, the torn line, c
  alarm_journal again(path, false, {});
  BOOST_REQUIRE(again.open());
  BOOST_TEST(!again.append(alarm_with("c"), 105).value().has_value());
  BOOST_TEST(again.since(0, 10).size() == 3u);
}

BOOST_AUTO_TEST_CASE(since_and_follow_serve_the_recent_window) {
  test::temp_dir dir;
  alarm_journal j(dir / "alarms.jsonl", false, {});
  BOOST_REQUIRE(j.open());
  for (int i = 0; i < 5; ++i) {
    BOOST_REQUIRE(j.append(alarm_with("x" + std::to_string(i)), 1000 + i));
  }
  auto recent = j.since(1003, 100);
  BOOST_REQUIRE(recent.size() == 2u);
  BOOST_TEST(recent[0].json.find("\"x3\"") != std::string::npos);
  auto after = j.last_seq();
  BOOST_TEST(j.wait_for_more(after, std::chrono::milliseconds(1)).empty());
  BOOST_REQUIRE(j.append(alarm_with("y"), 2000));
  auto more = j.wait_for_more(after, std::chrono::seconds(10));
  BOOST_REQUIRE(more.size() == 1u);
  BOOST_TEST(more[0].json.find("\"y\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(confirmations_wait_for_the_sync_and_close_runs_them) {
  test::temp_dir dir;
  int confirmed = 0;
  {
    alarm_journal j(dir / "alarms.jsonl", true, {});
    BOOST_REQUIRE(j.open());
    for (int i = 0; i < 3; ++i) {
      BOOST_REQUIRE(j.append(alarm_with("d" + std::to_string(i)), 1));
      j.after_durable([&] { ++confirmed; });
    }
    j.close();  // the syncing thread has run every confirmation when close returns
    BOOST_TEST(confirmed == 3);
  }
  alarm_journal unsynced(dir / "other.jsonl", false, {});
  BOOST_REQUIRE(unsynced.open());
  unsynced.after_durable([&] { ++confirmed; });  // no fsync: at once
  BOOST_TEST(confirmed == 4);
}

BOOST_AUTO_TEST_SUITE_END()
