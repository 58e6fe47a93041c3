// SPDX-License-Identifier: Apache-2.0
// Multi-line events on a tailed file: a Java stack trace is one spool
// record and one alarm, also across kill -9 with an event half-read.
#define BOOST_TEST_MODULE agent_multiline_test
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <random>

#include "node-agent/sources/line_sink.hpp"
#include "tests/integration/agent_fixture.hpp"
#include "tests/support/spool_contents.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

std::string file_source(const std::filesystem::path& path, const std::string& extra) {
  return "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + path.string() +
         "\"\nmultiline = \"java\"\n" + extra + "\n";
}

// Appends `text` with one write(2), as a logger does.
void append(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// The texts of every record of source `app` in the spool (unescaped), in order.
std::vector<std::string> spooled(const std::filesystem::path& spool_files) {
  std::vector<std::string> out;
  for (const auto& record : test::spool_records(spool_files)) {
    auto at = record.find(" app ");
    if (at != std::string::npos) out.push_back(agent::unescape_record_text(record.substr(at + 5)));
  }
  return out;
}

const std::string k_trace =
    "2026-12-04 09:00:01 ERROR [main] c.e.App - request failed\n"
    "java.lang.IllegalStateException: boom\n"
    "\tat com.example.App.handle(App.java:42)\n"
    "\tat com.example.App.main(App.java:7)\n"
    "Caused by: java.io.IOException: disk gone\n"
    "\tat com.example.Disk.read(Disk.java:3)\n"
    "\t... 1 more\n";

}  // namespace

BOOST_AUTO_TEST_CASE(a_java_stack_trace_is_one_record_and_one_alarm_carrying_its_frames) {
  temp_dir logs;
  auto app = logs / "app.log";
  append(app, "2026-12-04 09:00:00 INFO started\n");
  agent_rig rig(file_source(app, "") +
                "[[rule]]\nname = \"failed\"\npattern = 'ERROR .* request failed'\n"
                "[[rule]]\nname = \"huge\"\npattern = 'HUGE'\n");
  recorder watcher(rig.b.url(), "watcher", {"peranda/v1/nodes/+/alarm"});
  rig.start_agent("following");

  append(app, k_trace + "2026-12-04 09:00:02 INFO next\n");
  BOOST_REQUIRE(wait_until([&] { return watcher.alarms().size() == 1; }));
  auto alarm = watcher.alarms().front();
  BOOST_TEST(alarm.rule == "failed");
  BOOST_TEST(alarm.line == k_trace.substr(0, k_trace.size() - 1));
  BOOST_TEST(alarm.offset == 33u);  // the trace's first line, after "... INFO started\n"
  // The line after it is an event of its own, ended by the timeout.
  BOOST_REQUIRE(wait_until([&] { return spooled(rig.spool_files()).size() == 2; }));
  auto records = spooled(rig.spool_files());
  BOOST_TEST(records[0] == alarm.line);
  BOOST_TEST(records[1] == "2026-12-04 09:00:02 INFO next");

  // A trace longer than an alarm's line: cut at 4096 bytes with a marker;
  // the spool keeps it whole.
  std::string huge = "2026-12-04 09:00:03 ERROR HUGE\njava.lang.OutOfMemoryError: heap\n";
  for (int i = 0; i < 200; ++i)
    huge += fmt::format("\tat com.example.Deep.f{}(Deep.java:{})\n", i, i);
  append(app, huge);
  BOOST_REQUIRE(wait_until([&] { return watcher.alarms().size() == 2; }));
  auto cut = watcher.alarms().back();
  BOOST_TEST(cut.rule == "huge");
  BOOST_TEST(cut.line.size() <= 4096u);
  BOOST_TEST(cut.line.ends_with("more bytes]"));
  BOOST_TEST(cut.line.starts_with("2026-12-04 09:00:03 ERROR HUGE\njava.lang.OutOfMemoryError"));
  BOOST_REQUIRE(wait_until([&] { return spooled(rig.spool_files()).size() == 3; }));
  BOOST_TEST(spooled(rig.spool_files()).back() == huge.substr(0, huge.size() - 1));
  BOOST_TEST(watcher.alarms().size() == 2u);
}

BOOST_AUTO_TEST_CASE(kill9_with_events_half_read_neither_loses_nor_repeats_an_event) {
  temp_dir logs;
  auto app = logs / "app.log";
  append(app, "");
  // No timeout within the test: an event ends only when the next starts.
  agent_rig rig(file_source(app, "from_beginning = true\nmultiline_timeout = \"1h\""));
  rig.start_agent("following");
  std::mt19937 random(std::random_device{}());
  auto event = [](int n, int frames) {
    auto text = fmt::format("event {:04} failed\njava.lang.RuntimeException: n={}\n", n, n);
    for (int f = 0; f < frames; ++f) text += fmt::format("\tat frame {}.{}\n", n, f);
    return text;
  };
  constexpr int k_events = 300;
  std::vector<std::string> expected;
  std::size_t starts = 1;
  for (int n = 0; n < k_events;) {
    // A few events in one write, cut at a random line: the rest follows
    // after the kill, so an event is often half read when it comes.
    std::string chunk;
    std::vector<std::size_t> ends;  // where each event of the chunk ends
    for (int i = 0; i < 20 && n < k_events; ++i, ++n) {
      auto frames = std::uniform_int_distribution<int>(0, 6)(random);
      auto text = event(n, frames);
      expected.push_back(text.substr(0, text.size() - 1));
      chunk += text;
      ends.push_back(chunk.size());
    }
    auto split = std::uniform_int_distribution<std::size_t>(0, chunk.size())(random);
    split = chunk.rfind('\n', split == 0 ? 0 : split - 1);
    split = split == std::string::npos ? 0 : split + 1;
    append(app, chunk.substr(0, split));
    // Kill once a random number of the events that can be finished are
    // spooled (the last one written waits for the next event's start).
    auto finished =
        static_cast<std::size_t>(std::ranges::count_if(ends, [&](auto e) { return e < split; }));
    auto before = expected.size() - ends.size();
    auto most = before + finished;
    if (split == 0 && most > 0) --most;  // the previous chunk's last event is still open
    auto target = std::uniform_int_distribution<std::size_t>(0, most)(random);
    BOOST_REQUIRE(wait_until([&] { return spooled(rig.spool_files()).size() >= target; }));
    rig.agent->kill9();
    append(app, chunk.substr(split));
    rig.start_agent("resuming", starts++);
  }
  append(app, "the end\n");  // ends the last event
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return spooled(rig.spool_files()).size() >= expected.size(); }),
      "spooled " << spooled(rig.spool_files()).size() << " of " << expected.size());
  auto got = spooled(rig.spool_files());
  BOOST_TEST(got == expected, boost::test_tools::per_element());
}
