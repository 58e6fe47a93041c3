// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/exec_source.hpp"

#include <boost/test/unit_test.hpp>

#include "core/compress/log_reader.hpp"
#include "core/fs/durable_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(agent_exec)

BOOST_AUTO_TEST_CASE(every_outcome_becomes_spooled_lines) {
  test::temp_dir dir;
  auto s = std::move(*spool::open({dir.path(), 1 << 20, std::chrono::hours(1), 1 << 30}));
  auto rules = std::move(*rule_engine::create({}, {"probe"}));
  line_sink sink(
      *s, *rules, [](const rule_hit&) {}, 4096);
  source_settings settings;
  settings.name = "probe";
  settings.command = {"printf 'a\\nb'; echo oops >&2; exit 2"};
  settings.shell = true;
  exec_source source(settings, sink);
  source.run_once();
  BOOST_REQUIRE(s->rotate());
  auto text = *read_log_file(s->path_of(s->closed_files().front().name));
  BOOST_TEST(text.find(" probe a\n") != std::string::npos);
  BOOST_TEST(text.find(" probe b\n") != std::string::npos);
  BOOST_TEST(text.find(" probe [stderr] oops\n") != std::string::npos);
  BOOST_TEST(text.find(" probe [exit] status 2\n") != std::string::npos);
}

// The agent's health names a failing command until a run succeeds; the
// reason is the failure, not whatever note came last.
BOOST_AUTO_TEST_CASE(a_failing_command_marks_its_source_failing_until_a_run_succeeds) {
  test::temp_dir dir;
  auto s = std::move(*spool::open({dir.path(), 1 << 20, std::chrono::hours(1), 1 << 30}));
  auto rules = std::move(*rule_engine::create({}, {"probe"}));
  line_sink sink(
      *s, *rules, [](const rule_hit&) {}, 4096);
  test::temp_dir flag;
  source_settings settings;
  settings.name = "probe";
  settings.command = {"head -c 5000 /dev/zero | tr '\\0' x; test -e " + (flag / "ok").string()};
  settings.shell = true;
  settings.max_output = 1024;
  exec_source source(settings, sink);
  source.run_once();
  auto failing = sink.status().failing();
  BOOST_REQUIRE(failing.count("probe") == 1u);
  BOOST_TEST(failing["probe"] == "command failed: [exit] status 1");
  BOOST_REQUIRE(write_file_atomic(flag / "ok", "").has_value());
  source.run_once();
  BOOST_TEST(sink.status().failing().empty());
}

// A run's output is whole when it exits: its events end with it, and
// stdout and stderr are joined apart.
BOOST_AUTO_TEST_CASE(a_run_joins_multi_line_events_per_stream) {
  test::temp_dir dir;
  auto s = std::move(*spool::open({dir.path(), 1 << 20, std::chrono::hours(1), 1 << 30}));
  rule_settings r;
  r.name = "trace";
  r.pattern = "Exception";
  auto rules = std::move(*rule_engine::create({r}, {"probe"}));
  std::vector<rule_hit> hits;
  line_sink sink(
      *s, *rules, [&](rule_hit h) { hits.push_back(std::move(h)); }, 4096);
  source_settings settings;
  settings.name = "probe";
  settings.command = {
      "printf 'ok\\nfailed\\njava.lang.Exception: x\\n\\tat a\\n'; printf '\\tat e\\n' >&2"};
  settings.shell = true;
  settings.multiline.continuation = *multiline_preset("java");
  exec_source source(settings, sink);
  source.run_once();
  BOOST_REQUIRE(s->rotate());
  auto text = *read_log_file(s->path_of(s->closed_files().front().name));
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find(" probe ok\n") != std::string::npos);
  BOOST_TEST(text.find(" probe failed\\njava.lang.Exception: x\\n\tat a\n") != std::string::npos);
  BOOST_TEST(text.find(" probe [stderr] \tat e\n") != std::string::npos);
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_TEST(hits[0].line == "failed\njava.lang.Exception: x\n\tat a");
}

BOOST_AUTO_TEST_SUITE_END()
