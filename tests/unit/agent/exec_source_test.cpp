// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/exec_source.hpp"

#include <boost/test/unit_test.hpp>

#include "core/fs/durable_file.hpp"
#include "node-agent/sources/exec_runner.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(agent_exec)

BOOST_AUTO_TEST_CASE(collects_stdout_stderr_and_status) {
  auto r = run_command({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 10s, 1024);
  BOOST_TEST(r.out == "out\n");
  BOOST_TEST(r.err == "err\n");
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(!r.timed_out);
}

BOOST_AUTO_TEST_CASE(a_hung_command_and_its_children_are_killed) {
  // The child of the shell keeps the pipe open: only a group kill ends it.
  auto r = run_command({"/bin/sh", "-c", "echo started; sleep 600 & wait"}, 300ms, 1024);
  BOOST_TEST(r.timed_out);
  BOOST_TEST(r.out == "started\n");
  BOOST_TEST(r.signal == 9);
}

BOOST_AUTO_TEST_CASE(a_stop_request_kills_a_run_still_going) {
  std::stop_source stop;
  stop.request_stop();
  auto r =
      run_command({"/bin/sh", "-c", "sleep 600"}, std::chrono::hours(1), 1024, stop.get_token());
  BOOST_TEST(r.interrupted);
  BOOST_TEST(!r.timed_out);
}

BOOST_AUTO_TEST_CASE(output_past_the_cap_is_counted) {
  auto r = run_command({"/bin/sh", "-c", "head -c 5000 /dev/zero"}, 10s, 1000);
  BOOST_TEST(r.out.size() == 1000u);
  BOOST_TEST(r.dropped_bytes == 4000u);
}

BOOST_AUTO_TEST_CASE(a_missing_program_is_reported) {
  auto r = run_command({"/nonexistent/program"}, 1s, 1000);
  BOOST_TEST(!r.spawn_error.empty());
}

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
  auto text = *read_file(s->path_of(s->closed_files().front().name));
  BOOST_TEST(text.find(" probe a\n") != std::string::npos);
  BOOST_TEST(text.find(" probe b\n") != std::string::npos);
  BOOST_TEST(text.find(" probe [stderr] oops\n") != std::string::npos);
  BOOST_TEST(text.find(" probe [exit] status 2\n") != std::string::npos);
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
  auto text = *read_file(s->path_of(s->closed_files().front().name));
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find(" probe ok\n") != std::string::npos);
  BOOST_TEST(text.find(" probe failed\\njava.lang.Exception: x\\n\tat a\n") != std::string::npos);
  BOOST_TEST(text.find(" probe [stderr] \tat e\n") != std::string::npos);
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_TEST(hits[0].line == "failed\njava.lang.Exception: x\n\tat a");
}

BOOST_AUTO_TEST_SUITE_END()
