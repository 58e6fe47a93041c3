// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_journal.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::master;

namespace {

protocol::alarm alarm_with(std::string id, std::string node = "n1") {
  protocol::alarm a;
  a.id = std::move(id);
  a.node = std::move(node);
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

// Ids are de-duplicated per node: node-a publishing the ids node-b will use
// changes nothing for node-b's alarms, also after a restart.
BOOST_AUTO_TEST_CASE(ids_are_de_duplicated_per_node_also_after_reopening) {
  test::temp_dir dir;
  auto path = dir / "alarms.jsonl";
  {
    alarm_journal j(path, false, {});
    BOOST_REQUIRE(j.open());
    BOOST_TEST(j.append(alarm_with("x1", "node-a"), 1).value().has_value());
    BOOST_TEST(j.append(alarm_with("x1", "node-b"), 2).value().has_value());
    BOOST_TEST(!j.append(alarm_with("x1", "node-a"), 3).value().has_value());
    BOOST_TEST(j.append(alarm_with("x2", "node-a"), 4).value().has_value());
  }
  alarm_journal j(path, false, {});
  BOOST_REQUIRE(j.open());
  BOOST_TEST(!j.append(alarm_with("x1", "node-b"), 5).value().has_value());
  BOOST_TEST(!j.append(alarm_with("x2", "node-a"), 6).value().has_value());
  BOOST_TEST(j.append(alarm_with("x2", "node-b"), 7).value().has_value());
  auto all = j.since(0, 100);
  BOOST_REQUIRE_EQUAL(all.size(), 4u);
  BOOST_TEST(all[1].json.find("\"node\":\"node-b\"") != std::string::npos);
  BOOST_TEST(line_count(path) == 4u);
}

// Past max_bytes the file is renamed <stem>-<UTC stamp><ext> and a new one
// started; only `keep` rotated files stay; de-duplication and the API's
// window span the rotation, in the process and after a restart; what
// waits for durability runs although its lines moved to a rotated file.
BOOST_AUTO_TEST_CASE(rotation_by_size_keeps_n_files_and_de_duplication) {
  test::temp_dir dir;
  auto path = dir / "alarms.jsonl";
  journal_limits limits{1024, std::chrono::hours(1), 3};
  int confirmed = 0;
  const std::uint64_t t = 1'795'575'213'000;  // 2026-11-25T02:53:33Z
  {
    alarm_journal j(path, true, {}, limits);
    BOOST_REQUIRE(j.open());
    for (int i = 0; i < 40; ++i) {
      BOOST_REQUIRE(j.append(alarm_with("r" + std::to_string(i)), t + i).value().has_value());
      j.after_durable([&] { ++confirmed; });
    }
    // An early id, now in a rotated file, is still a duplicate.
    BOOST_TEST(!j.append(alarm_with("r30"), t + 100).value().has_value());
    BOOST_TEST(j.since(0, 1000).size() == 40u);
    auto rotated = j.rotated_files();
    BOOST_REQUIRE_EQUAL(rotated.size(), 3u);
    for (const auto& f : rotated) {
      auto name = f.filename().string();
      BOOST_TEST(name.starts_with("alarms-20261125T0253"), name);
      BOOST_TEST(name.ends_with("Z.jsonl"), name);
      BOOST_TEST(std::filesystem::file_size(f) <= 1024u);
    }
    BOOST_TEST(std::filesystem::file_size(path) <= 1024u);
    j.close();
  }
  BOOST_TEST(confirmed == 40);
  alarm_journal j(path, false, {}, limits);
  BOOST_REQUIRE(j.open());
  auto kept = j.since(0, 1000);
  BOOST_TEST(kept.size() > 10u);  // the current and the kept rotated files
  BOOST_TEST(kept.back().json.find("\"r39\"") != std::string::npos);
  BOOST_TEST(!j.append(alarm_with("r39"), t + 200).value().has_value());
  auto oldest_kept = nlohmann::json::parse(kept.front().json)["id"].get<std::string>();
  BOOST_TEST(!j.append(alarm_with(oldest_kept), t + 201).value().has_value());
}

// Large alarms: the API's window keeps the newest up to its byte bound.
BOOST_AUTO_TEST_CASE(the_window_is_bounded_in_bytes) {
  test::temp_dir dir;
  alarm_journal j(dir / "alarms.jsonl", false, {});
  BOOST_REQUIRE(j.open());
  auto big = alarm_with("");
  big.line = std::string(4000, 'x');
  constexpr int k_alarms = 5000;  // about 20 MiB
  for (int i = 0; i < k_alarms; ++i) {
    big.id = "big" + std::to_string(i);
    BOOST_REQUIRE(j.append(big, i).value());
  }
  auto kept = j.since(0, alarm_journal::k_kept_lines);
  std::size_t bytes = 0;
  for (const auto& e : kept) bytes += e.json.size();
  BOOST_TEST(bytes <= alarm_journal::k_kept_bytes);
  BOOST_TEST(kept.size() < static_cast<std::size_t>(k_alarms));
  BOOST_TEST(kept.back().json.find("\"big4999\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rotation_by_age_names_the_file_by_the_rotation_time) {
  test::temp_dir dir;
  auto path = dir / "alarms.jsonl";
  alarm_journal j(path, false, {}, {1 << 20, std::chrono::seconds(1), 5});
  BOOST_REQUIRE(j.open());
  BOOST_REQUIRE(j.append(alarm_with("a"), 1000).value());
  BOOST_REQUIRE(j.append(alarm_with("b"), 1999).value());
  BOOST_TEST(j.rotated_files().empty());
  BOOST_REQUIRE(j.append(alarm_with("c"), 2000).value());
  auto rotated = j.rotated_files();
  BOOST_REQUIRE_EQUAL(rotated.size(), 1u);
  BOOST_TEST(rotated[0].filename() == "alarms-19700101T000002.000Z.jsonl");
  BOOST_TEST(line_count(rotated[0]) == 2u);
  BOOST_TEST(line_count(path) == 1u);
  // A name already taken is never replaced: the stamp moves on.
  std::ofstream(dir / "alarms-19700101T000003.000Z.jsonl") << "{\"id\":\"o\",\"node\":\"n\"}\n";
  BOOST_REQUIRE(j.append(alarm_with("d"), 3000).value());
  BOOST_TEST(line_count(dir / "alarms-19700101T000003.000Z.jsonl") == 1u);
  BOOST_TEST(line_count(dir / "alarms-19700101T000003.001Z.jsonl") == 1u);
  BOOST_TEST(j.rotated_files().size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
