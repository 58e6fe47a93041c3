// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/log_stream.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "master-service/logs/record_time.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda::master;

namespace {

// 2026-12-04T09:00:00Z
constexpr std::uint64_t k_t0 = 1796374800000ull;

std::string stamp(std::uint64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms % 1000);
}

log_query query(std::initializer_list<std::pair<const char*, std::string>> params) {
  auto q = parse_log_query([&](const char* name) -> std::optional<std::string> {
    for (const auto& [k, v] : params)
      if (std::string_view(k) == name) return v;
    return std::nullopt;
  });
  BOOST_REQUIRE_MESSAGE(q.has_value(), (q ? std::string() : q.error().message));
  return *q;
}

std::string error_of(std::initializer_list<std::pair<const char*, std::string>> params) {
  auto q = parse_log_query([&](const char* name) -> std::optional<std::string> {
    for (const auto& [k, v] : params)
      if (std::string_view(k) == name) return v;
    return std::nullopt;
  });
  return q ? "" : q.error().message;
}

std::string read_all(log_stream& s) {
  std::string out;
  while (s.read_some(out, 16)) {
  }
  return out;
}

// A node folder with spool files `spool-<ms>-000000.log`, each holding
// records one second apart from `ms - lines s`.
struct node_dir {
  peranda::test::temp_dir dir;
  storage_layout layout{dir.path(), "{ip}/{node}"};

  stored_file add(const std::string& node, std::uint64_t close_ms,
                  const std::vector<std::string>& texts, const std::string& ip = "10.0.0.1") {
    auto folder = dir / ip / node;
    std::filesystem::create_directories(folder);
    auto path = folder / fmt::format("spool-{:013}-000000.log", close_ms);
    std::ofstream out(path);
    auto t = close_ms - texts.size() * 1000;
    for (const auto& text : texts) out << stamp(t += 1000) << " app " << text << "\n";
    return {path, 0, close_ms};
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(master_logs)

BOOST_AUTO_TEST_CASE(record_times_are_read_from_the_line_start) {
  BOOST_TEST(record_time_ms("2026-12-04T09:00:00.000Z app x").value() == k_t0);
  BOOST_TEST(record_time_ms("2026-12-04T09:00:01.5Z app x").value() == k_t0 + 1500);
  BOOST_TEST(record_time_ms("2026-12-04T09:00:01Z").value() == k_t0 + 1000);
  BOOST_TEST(record_time_ms("1970-01-01T00:00:00Z x").value() == 0u);
  BOOST_TEST(!record_time_ms("2026-12-04 09:00:00Z x"));
  BOOST_TEST(!record_time_ms("2026-13-04T09:00:00Z x"));
  BOOST_TEST(!record_time_ms("2026-12-04T09:00:00.Z x"));
  BOOST_TEST(!record_time_ms("2026-12-04T09:00:00+01:00 x"));
  BOOST_TEST(!record_time_ms("continued line"));
  BOOST_TEST(!record_time_ms(""));
}

BOOST_AUTO_TEST_CASE(queries_are_validated_with_a_reason) {
  BOOST_TEST(error_of({{"since", "soon"}}).find("since") != std::string::npos);
  BOOST_TEST(error_of({{"until", ""}}).find("until") != std::string::npos);
  BOOST_TEST(error_of({{"since", "10"}, {"until", "5"}}).find("before") != std::string::npos);
  BOOST_TEST(error_of({{"tail", "0"}}).find("tail") != std::string::npos);
  BOOST_TEST(error_of({{"tail", "10001"}}).find("tail") != std::string::npos);
  BOOST_TEST(error_of({{"follow", "yes"}}).find("follow") != std::string::npos);
  BOOST_TEST(error_of({{"follow", "1"}, {"until", "5"}}).find("until") != std::string::npos);
  BOOST_TEST(error_of({{"grep", "(a"}}).find("RE2") != std::string::npos);
  BOOST_TEST(error_of({{"grep", std::string(513, 'a')}}).find("512") != std::string::npos);
  // A pattern whose program would exceed the memory bound is refused, not built.
  BOOST_TEST(error_of({{"grep", "((a{100}){100}){100}"}}).find("RE2") != std::string::npos);
  auto q = query({{"since", "5"}, {"until", "9"}, {"grep", "x|y"}, {"tail", "3"}});
  BOOST_TEST(q.since_ms == 5u);
  BOOST_TEST(q.until_ms.value() == 9u);
  BOOST_TEST(q.tail == 3u);
  BOOST_TEST(q.matches("a y b"));
  BOOST_TEST(!q.matches("abc"));
}

BOOST_AUTO_TEST_CASE(lines_come_file_by_file_in_time_order) {
  node_dir d;
  d.add("n1", k_t0 + 60'000, {"third", "fourth"});
  d.add("n1", k_t0 + 10'000, {"first", "second"});
  d.add("n2", k_t0 + 5'000, {"other node"});
  d.add("n1", k_t0 + 90'000, {"fifth"}, "10.0.0.2");  // the node moved to another IP
  std::ofstream(d.dir / "10.0.0.1" / "n1" / ".t1.part") << "half a file\n";
  auto files = list_stored_files(d.layout, "n1");
  BOOST_TEST(files.size() == 3u);
  log_stream s(query({}), files);
  auto out = read_all(s);
  std::vector<std::string> order{"first", "second", "third", "fourth", "fifth"};
  std::size_t at = 0;
  for (const auto& w : order) {
    auto p = out.find(" app " + w + "\n", at);
    BOOST_TEST_REQUIRE(p != std::string::npos, w << " missing or out of order in\n" << out);
    at = p;
  }
  BOOST_TEST(out.find("other node") == std::string::npos);
  BOOST_TEST(out.find("half") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(since_until_and_grep_select_by_record_time_and_text) {
  node_dir d;
  // Records at t0+1s .. t0+4s.
  d.add("n1", k_t0 + 4'000, {"a ERROR", "b", "c ERROR", "d"});
  auto files = list_stored_files(d.layout, "n1");
  log_stream window(query({{"since", std::to_string(k_t0 + 2'000)},
                           {"until", std::to_string(k_t0 + 3'000)}}),
                    files);
  auto out = read_all(window);
  BOOST_TEST(out.find(" b\n") != std::string::npos, out);
  BOOST_TEST(out.find(" c ERROR\n") != std::string::npos, out);
  BOOST_TEST(out.find(" a ") == std::string::npos, out);
  BOOST_TEST(out.find(" d\n") == std::string::npos, out);
  log_stream grep(query({{"grep", "ERROR$"}}), files);
  out = read_all(grep);
  BOOST_TEST(out.find(" a ERROR\n") != std::string::npos);
  BOOST_TEST(out.find(" c ERROR\n") != std::string::npos);
  BOOST_TEST(out.find(" b\n") == std::string::npos);
  // A file closed before `since` is not read at all.
  log_stream later(query({{"since", std::to_string(k_t0 + 5'000)}}), files);
  BOOST_TEST(read_all(later).empty());
}

BOOST_AUTO_TEST_CASE(a_line_without_a_time_has_the_time_of_the_line_before) {
  node_dir d;
  auto f = d.add("n1", k_t0 + 1'000, {"first"});
  std::ofstream(f.path, std::ios::app) << "  continued without a stamp\n"
                                       << stamp(k_t0 + 2'000) << " app last\n";
  log_stream s(query({{"until", std::to_string(k_t0 + 1'500)}}), list_stored_files(d.layout, "n1"));
  auto out = read_all(s);
  BOOST_TEST(out.find("first") != std::string::npos, out);
  BOOST_TEST(out.find("continued without a stamp") != std::string::npos, out);
  BOOST_TEST(out.find("last") == std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(tail_keeps_the_last_lines_then_follow_adds_new_files_once) {
  node_dir d;
  d.add("n1", k_t0 + 3'000, {"one", "two", "three"});
  log_stream s(query({{"tail", "2"}, {"follow", "1"}}), list_stored_files(d.layout, "n1"));
  std::string out;
  BOOST_TEST(!s.read_some(out, 1 << 20));
  BOOST_TEST(out.find(" one\n") == std::string::npos, out);
  BOOST_TEST(out.find(" two\n") != std::string::npos, out);
  BOOST_TEST(out.find(" three\n") != std::string::npos, out);
  d.add("n1", k_t0 + 9'000, {"four", "five"});
  BOOST_TEST(s.add_files(list_stored_files(d.layout, "n1")) == 1u);
  BOOST_TEST(s.add_files(list_stored_files(d.layout, "n1")) == 0u);
  out.clear();
  while (s.read_some(out, 1 << 20)) {
  }
  BOOST_TEST(out.find(" four\n") != std::string::npos, out);
  BOOST_TEST(out.find(" five\n") != std::string::npos, out);
  BOOST_TEST(out.find(" three\n") == std::string::npos, out);
}

// Following remembers only the last listing: a file removed (retention)
// is forgotten, and the files still listed are not read twice.
BOOST_AUTO_TEST_CASE(follow_remembers_only_the_last_listing) {
  node_dir d;
  auto old = d.add("n1", k_t0 + 1'000, {"old"});
  d.add("n1", k_t0 + 2'000, {"kept"});
  log_stream s(query({{"follow", "1"}}), list_stored_files(d.layout, "n1"));
  std::string out;
  while (s.read_some(out, 1 << 20)) {
  }
  std::filesystem::remove(old.path);
  BOOST_TEST(s.add_files(list_stored_files(d.layout, "n1")) == 0u);
  d.add("n1", k_t0 + 3'000, {"new"});
  BOOST_TEST(s.add_files(list_stored_files(d.layout, "n1")) == 1u);
  BOOST_TEST(s.add_files(list_stored_files(d.layout, "n1")) == 0u);
}

BOOST_AUTO_TEST_CASE(an_overlong_line_is_cut_and_the_next_one_read_whole) {
  peranda::test::temp_dir dir;
  auto path = dir / "big.log";
  {
    std::ofstream out(path);
    out << std::string(line_reader::k_max_line_bytes + 100'000, 'x') << "\nnext\nlast without newline";
  }
  auto r = open_line_reader(path);
  BOOST_REQUIRE(r.has_value());
  std::string line;
  BOOST_TEST((*r)->next(line).value());
  BOOST_TEST(line.size() == line_reader::k_max_line_bytes);
  BOOST_TEST((*r)->next(line).value());
  BOOST_TEST(line == "next");
  BOOST_TEST((*r)->next(line).value());
  BOOST_TEST(line == "last without newline");
  BOOST_TEST(!(*r)->next(line).value());
}

BOOST_AUTO_TEST_CASE(node_directories_follow_the_template) {
  peranda::test::temp_dir dir;
  storage_layout by_date(dir.path(), "{ip}/{date}");  // the node folder is appended
  for (const auto* p : {"1.1.1.1/2026-12-01/n1", "1.1.1.1/2026-12-02/n1", "2.2.2.2/2026-12-02/n1",
                        "1.1.1.1/2026-12-02/n1_x", "1.1.1.1/2026-12-02/n2"}) {
    std::filesystem::create_directories(dir / p);
  }
  BOOST_TEST(by_date.node_directories("n1").size() == 3u);
  BOOST_TEST(by_date.node_directories("n2").size() == 1u);
  BOOST_TEST(by_date.node_directories("n3").empty());
}

BOOST_AUTO_TEST_SUITE_END()
