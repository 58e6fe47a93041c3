// SPDX-License-Identifier: Apache-2.0
#include "core/process/child_process.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>

using namespace peranda;
using namespace std::chrono_literals;

namespace {

child_spec captured(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                    std::uint64_t max_output) {
  child_spec spec;
  spec.argv = std::move(argv);
  spec.timeout = timeout;
  spec.max_output = max_output;
  spec.kill_leftovers = true;
  return spec;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(child_process)

BOOST_AUTO_TEST_CASE(collects_stdout_stderr_and_status) {
  auto r = run_child(captured({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 10s, 1024));
  BOOST_TEST(r.out == "out\n");
  BOOST_TEST(r.err == "err\n");
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(!r.timed_out);
}

BOOST_AUTO_TEST_CASE(a_hung_command_and_its_children_are_killed) {
  // The child of the shell keeps the pipe open: only a group kill ends it.
  auto r =
      run_child(captured({"/bin/sh", "-c", "echo started; tail -f /dev/null & wait"}, 300ms, 1024));
  BOOST_TEST(r.timed_out);
  BOOST_TEST(r.out == "started\n");
  BOOST_TEST(r.signal == 9);
}

BOOST_AUTO_TEST_CASE(a_hung_command_without_collected_output_is_killed) {
  child_spec spec;
  spec.argv = {"/bin/sh", "-c", "exec tail -f /dev/null"};
  spec.timeout = 300ms;
  auto r = run_child(spec);
  BOOST_TEST(r.timed_out);
  BOOST_TEST(r.signal == 9);
}

BOOST_AUTO_TEST_CASE(a_stop_request_kills_a_run_still_going) {
  std::stop_source stop;
  stop.request_stop();
  auto r = run_child(
      captured({"/bin/sh", "-c", "exec tail -f /dev/null"}, std::chrono::hours(1), 1024),
      stop.get_token());
  BOOST_TEST(r.interrupted);
  BOOST_TEST(!r.timed_out);
}

BOOST_AUTO_TEST_CASE(output_past_the_cap_is_counted) {
  auto r = run_child(captured({"/bin/sh", "-c", "head -c 5000 /dev/zero"}, 10s, 1000));
  BOOST_TEST(r.out.size() == 1000u);
  BOOST_TEST(r.dropped_bytes == 4000u);
}

BOOST_AUTO_TEST_CASE(a_missing_program_is_reported) {
  auto r = run_child(captured({"/nonexistent/program"}, 1s, 1000));
  BOOST_TEST(!r.spawn_error.empty());
}

BOOST_AUTO_TEST_CASE(input_reaches_stdin_also_past_a_pipe_buffer) {
  // 1 MiB is more than a pipe holds: written as the command reads.
  std::string input(1 << 20, 'x');
  input += "end\n";
  auto spec = captured({"/bin/cat"}, 30s, 2 << 20);
  spec.input = input;
  auto r = run_child(spec);
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out == input);
}

BOOST_AUTO_TEST_CASE(a_command_that_ignores_its_input_still_ends) {
  std::signal(SIGPIPE, SIG_IGN);  // as the master does (run_child's REQUIRES)
  child_spec spec;
  spec.argv = {"/bin/true"};
  spec.timeout = 30s;
  spec.input = std::string(1 << 20, 'x');
  auto r = run_child(spec);
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(!r.timed_out);
}

BOOST_AUTO_TEST_SUITE_END()
