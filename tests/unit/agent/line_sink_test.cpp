// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/line_sink.hpp"

#include <boost/test/unit_test.hpp>

#include "core/compress/log_reader.hpp"
#include "core/fs/durable_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;

BOOST_AUTO_TEST_SUITE(agent_line_sink)

BOOST_AUTO_TEST_CASE(split_lines_keeps_offsets_and_partials) {
  std::vector<source_line> out;
  std::string partial;
  std::uint64_t partial_offset = 0;
  split_lines("ab\ncd\nef", 100, partial, partial_offset, 10, out);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_TEST(out[1].text == "cd");
  BOOST_TEST(out[1].offset == 103u);
  BOOST_TEST(partial == "ef");
  split_lines("gh\n", 108, partial, partial_offset, 10, out);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  BOOST_TEST(out[2].text == "efgh");
  BOOST_TEST(out[2].offset == 106u);
  // Exactly max_line long: one line, no empty piece after it.
  split_lines("0123456789\n", 0, partial, partial_offset, 10, out);
  BOOST_REQUIRE_EQUAL(out.size(), 4u);
  BOOST_TEST(out[3].text == "0123456789");
}

BOOST_AUTO_TEST_CASE(records_carry_time_and_source_and_feed_the_rules) {
  test::temp_dir dir;
  auto s = std::move(*spool::open({dir.path(), 1 << 20, std::chrono::hours(1), 1 << 30}));
  rule_settings r;
  r.name = "err";
  r.pattern = "ERROR";
  auto rules = std::move(*rule_engine::create({r}, {"app"}));
  std::vector<rule_hit> hits;
  line_sink sink(
      *s, *rules, [&](rule_hit h) { hits.push_back(std::move(h)); }, 4096);
  BOOST_REQUIRE(sink.deliver("app", {{"ok", 0}, {"an ERROR\rhere", 3}}));
  BOOST_REQUIRE(s->rotate());
  auto text = *read_log_file(s->path_of(s->closed_files().front().name));
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find("Z app ok\n") != std::string::npos);
  // A record stays one line: a carriage return is escaped, not lost.
  BOOST_TEST(text.find("Z app an ERROR\\rhere\n") != std::string::npos);
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_TEST(hits[0].offset == 3u);
  BOOST_TEST(sink.lines_spooled() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
