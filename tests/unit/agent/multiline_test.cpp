// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/multiline.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::agent;
using namespace std::chrono_literals;

namespace {

using clock_type = multiline_assembler::clock;

// Feeds `text`'s lines (offset = line number) at time `now`; the texts of
// the events they finished.
struct feeder {
  explicit feeder(multiline_settings s) : a(std::move(s)) {}

  std::vector<std::string> lines(const std::string& text, std::string_view key = {}) {
    std::vector<multiline_event> done;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      a.feed({text.substr(pos, nl - pos), next_offset++}, key, now, done);
      pos = nl + 1;
    }
    return texts(done);
  }
  std::vector<std::string> texts(std::vector<multiline_event>& done) {
    std::vector<std::string> out;
    for (auto& e : done) {
      out.push_back(e.line.text);
      events.push_back(e);
    }
    return out;
  }
  std::vector<std::string> expire() {
    std::vector<multiline_event> done;
    a.expire(now, done);
    return texts(done);
  }
  std::vector<std::string> flush() {
    std::vector<multiline_event> done;
    a.flush(done);
    return texts(done);
  }

  multiline_assembler a;
  clock_type::time_point now{};
  std::uint64_t next_offset = 0;
  std::vector<multiline_event> events;
};

multiline_settings preset(const std::string& name) {
  multiline_settings s;
  s.continuation = *multiline_preset(name);
  return s;
}

using texts = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_multiline)

BOOST_AUTO_TEST_CASE(disabled_every_line_is_an_event_at_once) {
  feeder f(multiline_settings{});
  BOOST_TEST(f.lines("a\n\tat b\n") == (texts{"a", "\tat b"}), boost::test_tools::per_element());
  BOOST_TEST(!f.a.deadline());
}

BOOST_AUTO_TEST_CASE(java_trace_joins_until_the_next_start_and_keeps_the_first_offset) {
  feeder f(preset("java"));
  auto trace =
      "2026-12-04 09:00:01 ERROR request failed\n"
      "java.lang.IllegalStateException: boom\n"
      "\tat com.example.App.handle(App.java:42)\n"
      "Caused by: java.io.IOException: disk gone\n"
      "\tat com.example.Disk.read(Disk.java:3)\n"
      "\t... 1 more\n"
      "Suppressed: com.example.CloseFailedException\n"
      "java.lang.Error\n"
      "\t\tat com.example.Disk.close(Disk.java:9)\n";
  BOOST_TEST(f.lines("2026-12-04 09:00:00 INFO started\n") == texts{});
  BOOST_TEST(f.lines(trace) == texts{"2026-12-04 09:00:00 INFO started"},
             boost::test_tools::per_element());
  BOOST_TEST(*f.a.open_offset() == 1u);
  auto done = f.lines("Exception in thread \"main\" java.lang.Error: x\n");
  BOOST_REQUIRE_EQUAL(done.size(), 1u);
  BOOST_TEST(done[0] + "\n" == trace);
  BOOST_TEST(f.events.back().line.offset == 1u);
  BOOST_TEST(f.events.back().lines == 9u);
  BOOST_TEST(!f.events.back().split);
}

BOOST_AUTO_TEST_CASE(python_and_go_presets) {
  feeder py(preset("python"));
  py.lines(
      "ERROR:root:failed\n"
      "Traceback (most recent call last):\n"
      "  File \"x.py\", line 3, in <module>\n"
      "    foo()\n"
      "ValueError: bad\n"
      "\n"
      "During handling of the above exception, another exception occurred:\n"
      "\n"
      "Traceback (most recent call last):\n"
      "  File \"x.py\", line 5, in <module>\n"
      "KeyError: 'k'\n");
  BOOST_TEST(py.lines("INFO:root:next\n").size() == 1u);
  BOOST_TEST(py.events.back().lines == 11u);

  feeder go(preset("go"));
  go.lines(
      "panic: runtime error: invalid memory address or nil pointer dereference\n"
      "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4553ed]\n"
      "\n"
      "goroutine 1 [running]:\n"
      "main.main()\n"
      "\t/src/main.go:8 +0x1d\n"
      "net/http.(*conn).serve(0xc0000a8000, {0x6d5f40, 0xc0000b4000})\n"
      "created by net/http.(*Server).Serve\n"
      "exit status 2\n");
  BOOST_TEST(go.lines("2026/12/04 09:00:00 starting (pid 1)\n").size() == 1u);
  BOOST_TEST(go.events.back().lines == 9u);
}

BOOST_AUTO_TEST_CASE(a_start_pattern_starts_events) {
  multiline_settings s;
  s.start = R"(^\d{4}-)";
  feeder f(s);
  BOOST_TEST(f.lines("2026- a\nmore\n2026- b\n") == texts{"2026- a\nmore"},
             boost::test_tools::per_element());
  // The very first line starts an event even if it does not match.
  feeder g(s);
  BOOST_TEST(g.lines("orphan\n2026- a\n") == texts{"orphan"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_timeout_ends_an_event_with_an_injected_clock) {
  auto s = preset("java");
  s.timeout = 500ms;
  feeder f(s);
  f.lines("start\n\tat a\n");
  BOOST_TEST((*f.a.deadline() == f.now + 500ms));
  f.now += 499ms;
  BOOST_TEST(f.expire() == texts{});
  f.lines("\tat b\n");  // arrival pushes the deadline
  f.now += 499ms;
  BOOST_TEST(f.expire() == texts{});
  f.now += 1ms;
  BOOST_TEST(f.expire() == texts{"start\n\tat a\n\tat b"}, boost::test_tools::per_element());
  BOOST_TEST(!f.a.deadline());
  BOOST_TEST(!f.a.open_offset());
  // A continuation after the timeout starts an event of its own.
  f.lines("\tat c\n");
  BOOST_TEST(f.flush() == texts{"\tat c"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_lines_and_max_bytes_split_an_event_and_say_so) {
  auto s = preset("java");
  s.max_lines = 3;
  feeder f(s);
  BOOST_TEST(f.lines("start\n\tat 1\n\tat 2\n\tat 3\n") == texts{"start\n\tat 1\n\tat 2"},
             boost::test_tools::per_element());
  BOOST_TEST(f.events.back().split);
  BOOST_TEST(*f.a.open_offset() == 3u);

  s.max_lines = 1000;
  s.max_bytes = 10;
  feeder g(s);
  // "start" + "\n" + "\tat 1" = 11 bytes > 10: the second line starts anew.
  BOOST_TEST(g.lines("start\n\tat 1\n") == texts{"start"}, boost::test_tools::per_element());
  BOOST_TEST(g.events.back().split);
}

BOOST_AUTO_TEST_CASE(another_key_ends_the_event) {
  feeder f(preset("java"));
  f.lines("start\n", "pid 1");
  BOOST_TEST(f.lines("\tat x\n", "pid 2") == texts{"start"}, boost::test_tools::per_element());
  BOOST_TEST(f.flush() == texts{"\tat x"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reset_forgets_the_open_event) {
  feeder f(preset("java"));
  f.lines("start\n\tat x\n");
  f.a.reset();
  BOOST_TEST(!f.a.open_offset());
  BOOST_TEST(f.flush() == texts{});
}

BOOST_AUTO_TEST_CASE(patterns_and_presets_are_checked) {
  BOOST_TEST(!multiline_preset("cobol"));
  BOOST_TEST(check_multiline_pattern("^(").has_value() == false);
  BOOST_TEST(check_multiline_pattern("^\\d").has_value());
  for (auto name : {"java", "python", "go"})
    BOOST_TEST(check_multiline_pattern(*multiline_preset(name)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
