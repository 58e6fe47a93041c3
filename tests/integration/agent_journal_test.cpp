// SPDX-License-Identifier: Apache-2.0
// Journal sources against journal files written by systemd's own code:
// systemd-journal-remote turns journal export format into a `.journal`
// file in a folder the test owns, and the agent reads that folder.
#define BOOST_TEST_MODULE agent_journal_test
#include <boost/test/unit_test.hpp>
#include <random>

#include "core/util/clock.hpp"
#include "node-agent/sources/journal_source.hpp"
#include "node-agent/sources/line_sink.hpp"
#include "tests/integration/agent_fixture.hpp"
#include "tests/support/spool_contents.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr const char* k_journal_remote = "/lib/systemd/systemd-journal-remote";

struct entry {
  std::string message;
  std::string unit = "app.service";
  int priority = 3;
  std::string identifier = "app";
  int pid = 42;
};

// Appends `entries` to `file` (creating it) with systemd-journal-remote.
// Time stamps grow across calls, as a journal's do.
void write_journal(const std::filesystem::path& file, const std::vector<entry>& entries) {
  static std::uint64_t clock_us = static_cast<std::uint64_t>(wall_clock_ms()) * 1000;
  static int batch = 0;
  // Beside the journal files: sd-journal reads only `*.journal` files.
  auto input = file.parent_path() / fmt::format("batch-{}.export", batch++);
  {
    std::ofstream out(input, std::ios::binary);
    for (const auto& e : entries) {
      ++clock_us;
      out << "__REALTIME_TIMESTAMP=" << clock_us << "\n__MONOTONIC_TIMESTAMP=" << clock_us
          << "\n_BOOT_ID=8c1d1a6a5bd74ee5b4e8b1d7a3f9e2c0\nMESSAGE=" << e.message
          << "\nPRIORITY=" << e.priority << "\n_SYSTEMD_UNIT=" << e.unit
          << "\nSYSLOG_IDENTIFIER=" << e.identifier << "\n_PID=" << e.pid << "\n\n";
    }
  }
  child_process writer(
      {k_journal_remote, "--output=" + file.string(), "--compress=no", input.string()},
      file.parent_path() / "journal-remote.log");
  BOOST_REQUIRE_MESSAGE(writer.wait_exit(std::chrono::seconds(60)) == 0,
                        "systemd-journal-remote failed: " + writer.log());
  std::filesystem::remove(input);
}

std::string journal_source(const std::filesystem::path& dir, const std::string& extra) {
  return "[[source]]\ntype = \"journal\"\nname = \"jr\"\ndirectory = \"" + dir.string() + "\"\n" +
         extra + "\n";
}

// The texts of every record of source `jr` in the spool (unescaped).
std::vector<std::string> spooled(const std::filesystem::path& spool_files) {
  std::vector<std::string> out;
  for (const auto& record : test::spool_records(spool_files)) {
    auto at = record.find(" jr ");
    if (at != std::string::npos) out.push_back(agent::unescape_record_text(record.substr(at + 4)));
  }
  return out;
}

// The messages of the spooled records, in spool order.
std::vector<std::string> messages(const std::filesystem::path& spool_files) {
  std::vector<std::string> out;
  for (const auto& r : spooled(spool_files)) {
    auto at = r.find(" message=");
    out.push_back(at == std::string::npos ? r : r.substr(at + 9));
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::ranges::find(v, s) != v.end();
}

// Saves normally until a batch is saved as pending, then ignores every
// later save: on disk it is as if the process died right after the spool
// append, before the cursor was saved.
class freezing_store : public agent::position_store {
 public:
  using position_store::position_store;
  result<void> save_journal(const std::string& source,
                            const agent::journal_position& pos) const override {
    if (frozen_) return {};
    if (pos.pending) frozen_ = true;
    return position_store::save_journal(source, pos);
  }

 private:
  mutable std::atomic<bool> frozen_{false};
};

}  // namespace

// The library's journal source against a store that "dies" between the
// spool append and the cursor save: the restart counts what of the batch
// is in the spool and neither repeats it nor loses the event half read.
BOOST_AUTO_TEST_CASE(a_restart_after_a_crash_between_append_and_cursor_save_repeats_nothing) {
  temp_dir dir;
  std::filesystem::create_directories(dir / "journal");
  write_journal(dir / "journal" / "a.journal",
                {{"start 1"}, {"\tat a"}, {"start 2"}, {"\tat b"}, {"start 3"}});
  auto spooled_files =
      std::move(*agent::spool::open({dir / "spool", 1 << 20, std::chrono::hours(1), 1 << 30}));
  auto rules = std::move(*agent::rule_engine::create({}, {"jr"}));
  agent::line_sink sink(
      *spooled_files, *rules, [](const agent::rule_hit&) {}, 4096);
  agent::source_settings s;
  s.type = agent::source_type::journal;
  s.name = "jr";
  s.directory = dir / "journal";
  s.from_beginning = true;
  s.multiline.continuation = *agent::multiline_preset("java");
  s.multiline.timeout = std::chrono::hours(1);
  {
    freezing_store dying(dir / "positions");
    agent::journal_source first(s, sink, dying);
    BOOST_REQUIRE(first.start());
    BOOST_REQUIRE(wait_until([&] { return sink.lines_spooled() == 2; }));
  }
  agent::position_store positions(dir / "positions");
  BOOST_TEST(positions.load_journal("jr")->value().pending.has_value());
  agent::journal_source second(s, sink, positions);
  BOOST_REQUIRE(second.start());
  BOOST_TEST(!positions.load_journal("jr")->value().pending.has_value());
  write_journal(dir / "journal" / "a.journal", {{"\tat c"}, {"start 4"}});
  BOOST_REQUIRE(wait_until([&] { return sink.lines_spooled() >= 3; }));
  second.stop();
  BOOST_TEST(
      messages(dir / "spool") ==
          (std::vector<std::string>{"start 1\n\tat a", "start 2\n\tat b", "start 3\n\tat c"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(filters_a_matching_entry_alarms_once_and_a_file_added_later_is_read) {
  temp_dir journal;
  write_journal(journal / "a.journal", {{"from before the agent started"}});
  agent_rig rig(
      journal_source(journal.path(), "units = [\"app.service\"]\npriority = \"warning\"") +
      "[[rule]]\nname = \"disk\"\npattern = 'disk failure'\nseverity = \"critical\"\n");
  recorder watcher(rig.b.url(), "watcher", {"peranda/v1/nodes/+/alarm"});
  rig.start_agent("following the journal");

  write_journal(journal / "a.journal", {{"disk failure on sda"},
                                        {"disk failure but only info", "app.service", 6},
                                        {"disk failure of another unit", "other.service", 2},
                                        {"a warning", "app.service", 4, "app", 43}});
  BOOST_REQUIRE(wait_until([&] { return has(messages(rig.spool_files()), "a warning"); }));
  BOOST_REQUIRE(wait_until([&] { return watcher.alarms().size() == 1; }));
  auto records = spooled(rig.spool_files());
  BOOST_TEST_MESSAGE(fmt::format("{}", fmt::join(records, "\n")));
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  BOOST_TEST(records[0].starts_with("priority=err unit=app.service identifier=app pid=42 time="));
  BOOST_TEST(records[0].ends_with("Z message=disk failure on sda"));
  BOOST_TEST(records[1].starts_with("priority=warning unit=app.service identifier=app pid=43 "));
  auto alarm = watcher.alarms().front();
  BOOST_TEST(alarm.rule == "disk");
  BOOST_TEST(alarm.source == "jr");
  BOOST_TEST(alarm.line == "disk failure on sda");

  // A journal file that appears later (a rotation, a new writer) is watched
  // through sd-journal's inotify descriptor like the first one.
  write_journal(journal / "b.journal", {{"from the new file", "app.service", 0}});
  BOOST_REQUIRE(wait_until([&] { return has(messages(rig.spool_files()), "from the new file"); }));
  BOOST_TEST(messages(rig.spool_files()).size() == 3u);
  BOOST_TEST(watcher.alarms().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_java_stack_trace_in_the_journal_is_one_event_and_one_alarm) {
  temp_dir journal;
  agent_rig rig(journal_source(journal.path(), "identifiers = [\"app\"]\nmultiline = \"java\"") +
                "[[rule]]\nname = \"failed\"\npattern = 'request failed'\n");
  recorder watcher(rig.b.url(), "watcher", {"peranda/v1/nodes/+/alarm"});
  rig.start_agent("following the journal");
  // A service's stdout: one journal entry per line. Another process's
  // line does not join the trace.
  write_journal(journal / "a.journal", {{"\tat other process line", "app.service", 6, "app", 7},
                                        {"ERROR request failed"},
                                        {"java.lang.IllegalStateException: boom"},
                                        {"\tat com.example.App.handle(App.java:42)"},
                                        {"\tat com.example.App.main(App.java:7)"},
                                        {"INFO next request"}});
  BOOST_REQUIRE(wait_until([&] { return watcher.alarms().size() == 1; }));
  auto alarm = watcher.alarms().front();
  BOOST_TEST(alarm.line ==
             "ERROR request failed\njava.lang.IllegalStateException: boom\n"
             "\tat com.example.App.handle(App.java:42)\n\tat com.example.App.main(App.java:7)");
  // The last line ends by the timeout (nothing follows it).
  BOOST_REQUIRE(wait_until([&] { return has(messages(rig.spool_files()), "INFO next request"); }));
  auto got = messages(rig.spool_files());
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[0] == "\tat other process line");
  BOOST_TEST(got[1] == alarm.line);
}

BOOST_AUTO_TEST_CASE(kill9_at_random_points_neither_loses_nor_repeats_an_entry) {
  temp_dir journal;
  agent_rig rig(journal_source(journal.path(), "from_beginning = true"));
  rig.start_agent("following the journal");
  std::mt19937 random(std::random_device{}());
  constexpr int k_rounds = 8;
  constexpr int k_per_round = 400;
  int written = 0;
  std::size_t starts = 1;
  for (int round = 0; round < k_rounds; ++round) {
    std::vector<entry> batch;
    for (int i = 0; i < k_per_round; ++i) batch.push_back({fmt::format("entry {:05}", written++)});
    write_journal(journal / "a.journal", batch);
    // Kill when the spool holds a random number of the entries written so
    // far: mid-batch, between batches, or idle.
    auto target = std::uniform_int_distribution<int>(written - k_per_round, written)(random);
    BOOST_REQUIRE(
        wait_until([&] { return static_cast<int>(messages(rig.spool_files()).size()) >= target; }));
    rig.agent->kill9();
    rig.start_agent("resuming the journal", starts++);
  }
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return static_cast<int>(messages(rig.spool_files()).size()) >= written; }),
      "spooled " << messages(rig.spool_files()).size() << " of " << written);
  auto got = messages(rig.spool_files());
  std::map<std::string, int> seen;
  for (const auto& m : got) ++seen[m];
  BOOST_TEST(got.size() == static_cast<std::size_t>(written));
  for (int n = 0; n < written; ++n) {
    auto it = seen.find(fmt::format("entry {:05}", n));
    BOOST_TEST_REQUIRE(
        (it != seen.end() && it->second == 1),
        "entry " << n << " spooled " << (it == seen.end() ? 0 : it->second) << " times");
  }
}

BOOST_AUTO_TEST_CASE(entries_vacuumed_while_the_agent_was_down_are_reported_and_reading_resumes) {
  temp_dir journal;
  write_journal(journal / "a.journal", {{"a1"}, {"a2"}, {"a3"}});
  agent_rig rig(journal_source(journal.path(), "from_beginning = true"));
  rig.start_agent("following the journal");
  BOOST_REQUIRE(wait_until([&] { return has(messages(rig.spool_files()), "a3"); }));
  rig.agent->kill9();
  // While it is down: more entries, a newer file, then the older file is
  // vacuumed with the entries the agent had not read yet.
  write_journal(journal / "a.journal", {{"a4"}, {"a5"}});
  write_journal(journal / "b.journal", {{"b1"}, {"b2"}});
  std::filesystem::remove(journal / "a.journal");
  rig.start_agent("resuming the journal", 1);
  BOOST_REQUIRE(wait_until([&] { return has(messages(rig.spool_files()), "b2"); }));
  auto got = messages(rig.spool_files());
  BOOST_TEST(got == (std::vector<std::string>{"a1", "a2", "a3", "b1", "b2"}),
             boost::test_tools::per_element());
  BOOST_TEST(rig.count_in_log("were lost before they were read") == 1u, rig.log());
}

BOOST_AUTO_TEST_CASE(kill9_with_multi_line_events_half_read_neither_loses_nor_repeats_an_event) {
  temp_dir journal;
  // No timeout within the test: an event ends only when the next starts.
  agent_rig rig(journal_source(journal.path(),
                               "from_beginning = true\nmultiline = \"java\"\n"
                               "multiline_timeout = \"1h\""));
  rig.start_agent("following the journal");
  std::mt19937 random(std::random_device{}());
  std::vector<std::string> expected;
  std::size_t starts = 1;
  constexpr int k_events = 200;
  for (int n = 0; n < k_events;) {
    // Some events, cut at a random entry: the rest is written after the
    // kill, so an event is often half read when it comes.
    std::vector<entry> chunk;
    std::vector<std::size_t> ends;  // entries in the chunk after each event
    for (int i = 0; i < 25 && n < k_events; ++i, ++n) {
      std::string text = fmt::format("event {:04} failed", n);
      chunk.push_back({text});
      for (int f = std::uniform_int_distribution<int>(0, 4)(random); f > 0; --f) {
        chunk.push_back({fmt::format("\tat frame {}.{}", n, f)});
        text += "\n" + chunk.back().message;
      }
      expected.push_back(text);
      ends.push_back(chunk.size());
    }
    auto split = std::uniform_int_distribution<std::size_t>(0, chunk.size())(random);
    if (split > 0)
      write_journal(journal / "a.journal",
                    {chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(split)});
    auto finished =
        static_cast<std::size_t>(std::ranges::count_if(ends, [&](auto e) { return e < split; }));
    auto most = expected.size() - ends.size() + finished;
    if (split == 0 && most > 0) --most;  // the previous chunk's last event is still open
    auto target = std::uniform_int_distribution<std::size_t>(0, most)(random);
    BOOST_REQUIRE(wait_until([&] { return messages(rig.spool_files()).size() >= target; }));
    rig.agent->kill9();
    if (split < chunk.size())
      write_journal(journal / "a.journal",
                    {chunk.begin() + static_cast<std::ptrdiff_t>(split), chunk.end()});
    rig.start_agent("resuming the journal", starts++);
  }
  write_journal(journal / "a.journal", {{"the end"}});
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return messages(rig.spool_files()).size() >= expected.size(); }),
      "spooled " << messages(rig.spool_files()).size() << " of " << expected.size());
  BOOST_TEST(messages(rig.spool_files()) == expected, boost::test_tools::per_element());
}
