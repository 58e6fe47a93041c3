// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/file_follower.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "core/compress/log_reader.hpp"
#include "core/fs/durable_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;

namespace {

// A spool, rules and sink around one follower, rebuilt to simulate restarts.
struct follower_rig {
  explicit follower_rig(const test::temp_dir& dir, bool from_beginning = false)
      : log(dir / "app.log"), positions(dir / "positions"), dir_(dir) {
    settings.type = source_type::file;
    settings.name = "app";
    settings.path = log;
    settings.from_beginning = from_beginning;
    rule_settings err;
    err.name = "err";
    err.pattern = "ERROR";
    rules = std::move(*rule_engine::create({err}, {"app"}));
    open_spool();
    restart();
  }
  void open_spool() {
    sink.reset();
    spooled.reset();
    spooled = std::move(*spool::open({dir_ / "spool", 1 << 20, std::chrono::hours(1), 1 << 30}));
    sink = std::make_unique<line_sink>(
        *spooled, *rules, [this](const rule_hit& h) { hits.push_back(h.offset); }, 64);
  }
  void restart(const position_store& store) {
    follower.reset();
    follower = std::make_unique<file_follower>(settings, *sink, store);
    BOOST_REQUIRE(follower->start());
  }
  void restart() { restart(positions); }
  // The whole agent again: the spool reopened (closing its active file) too.
  void restart_agent() {
    follower.reset();
    open_spool();
    restart();
  }
  void append(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::app | std::ios::binary);
    out << text;
  }
  // The spooled lines' texts (without time stamp and source name).
  std::vector<std::string> lines() {
    BOOST_REQUIRE(spooled->rotate());
    std::vector<std::string> out;
    for (const auto& f : spooled->closed_files()) {
      auto text = *read_log_file(spooled->path_of(f.name));
      std::size_t pos = 0;
      while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto line = text.substr(pos, nl - pos);
        out.push_back(line.substr(line.find(" app ") + 5));
        pos = nl + 1;
      }
    }
    return out;
  }

  source_settings settings;
  std::filesystem::path log;
  position_store positions;
  std::unique_ptr<spool> spooled;
  std::unique_ptr<rule_engine> rules;
  std::unique_ptr<line_sink> sink;
  std::unique_ptr<file_follower> follower;
  std::vector<std::uint64_t> hits;  // offsets of the lines that raised an alarm
  const test::temp_dir& dir_;
};

using lines_t = std::vector<std::string>;

struct simulated_crash {};

// Dies (throws) around the spool append of the next batch: right after the
// batch was saved as pending, or at the save that follows the append.
class crashing_store : public position_store {
 public:
  enum class point { before_spooling, after_spooling };
  crashing_store(std::filesystem::path dir, point p) : position_store(std::move(dir)), point_(p) {}
  result<void> save(const std::string& source, const file_position& pos) const override {
    if (!pos.pending && saw_pending_) throw simulated_crash{};
    auto ok = position_store::save(source, pos);
    if (pos.pending) {
      saw_pending_ = true;
      if (point_ == point::before_spooling) throw simulated_crash{};
    }
    return ok;
  }

 private:
  const point point_;
  mutable bool saw_pending_ = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_file_follower)

BOOST_AUTO_TEST_CASE(first_start_reads_from_the_end_and_waits_for_newlines) {
  test::temp_dir dir;
  std::ofstream(dir / "app.log") << "old 1\nold 2\n";
  follower_rig rig(dir);
  rig.append(rig.log, "new 1\npart");
  rig.follower->poll();
  rig.append(rig.log, "ial\n");
  rig.follower->poll();
  BOOST_TEST((rig.lines() == lines_t{"new 1", "partial"}));
}

BOOST_AUTO_TEST_CASE(from_beginning_and_long_lines_split) {
  test::temp_dir dir;
  std::ofstream(dir / "app.log") << "a\n" << std::string(100, 'z') << "\n";
  follower_rig rig(dir, true);
  rig.follower->poll();
  BOOST_TEST((rig.lines() == lines_t{"a", std::string(64, 'z'), std::string(36, 'z')}));
}

BOOST_AUTO_TEST_CASE(restart_neither_loses_nor_repeats) {
  test::temp_dir dir;
  std::ofstream(dir / "app.log") << "";
  follower_rig rig(dir);
  rig.append(rig.log, "1\n2\n");
  rig.follower->poll();
  rig.follower.reset();  // agent down
  rig.append(rig.log, "3\n4\n");
  rig.restart();
  rig.follower->poll();
  BOOST_TEST((rig.lines() == lines_t{"1", "2", "3", "4"}));
}

BOOST_AUTO_TEST_CASE(rename_rotation_reads_the_old_file_to_its_end_first) {
  test::temp_dir dir;
  std::ofstream(dir / "app.log") << "";
  follower_rig rig(dir);
  rig.append(rig.log, "1\n");
  rig.follower->poll();
  std::filesystem::rename(rig.log, dir / "app.log.1");
  rig.append(dir / "app.log.1", "2\n");  // the writer has not reopened yet
  rig.append(rig.log, "3\n");
  rig.follower->poll();
  BOOST_TEST((rig.lines() == lines_t{"1", "2", "3"}));
}

BOOST_AUTO_TEST_CASE(rotation_while_down_reads_the_rest_of_the_rotated_file) {
  test::temp_dir dir;
  std::ofstream(dir / "app.log") << "";
  follower_rig rig(dir);
  rig.append(rig.log, "1\n");
  rig.follower->poll();
  rig.follower.reset();
  rig.append(rig.log, "2\n");
  std::filesystem::rename(rig.log, dir / "app.log.1");
  rig.append(rig.log, "3\n");
  rig.restart();
  rig.follower->poll();
  BOOST_TEST((rig.lines() == lines_t{"1", "2", "3"}));
}

BOOST_AUTO_TEST_CASE(copytruncate_and_truncation) {
  test::temp_dir dir;
  std::ofstream(dir / "app.log") << "";
  follower_rig rig(dir);
  rig.append(rig.log, "first line\n");
  rig.follower->poll();
  rig.append(rig.log, "second line\n");
  // copytruncate before the follower saw the second line; then a longer write.
  std::filesystem::copy_file(rig.log, dir / "app.log.1");
  std::filesystem::resize_file(rig.log, 0);
  rig.append(rig.log, "after copytruncate, longer than before\n");
  rig.follower->poll();
  // Plain truncation.
  std::filesystem::resize_file(rig.log, 0);
  rig.append(rig.log, "x\n");
  rig.follower->poll();
  BOOST_TEST((rig.lines() ==
              lines_t{"first line", "second line", "after copytruncate, longer than before", "x"}));
}

BOOST_AUTO_TEST_CASE(a_file_that_appears_later_is_read_from_its_start) {
  test::temp_dir dir;
  follower_rig rig(dir);
  rig.follower->poll();
  rig.append(rig.log, "hello\n");
  rig.follower->poll();
  BOOST_TEST((rig.lines() == lines_t{"hello"}));
}

// A kill -9 at any point of a batch: before it reached the spool, after it
// did but before the position was saved, or in the middle of its append.
BOOST_AUTO_TEST_CASE(a_crash_around_a_spool_append_neither_loses_nor_repeats) {
  using point = crashing_store::point;
  for (auto p : {point::before_spooling, point::after_spooling}) {
    for (bool torn : {false, true}) {
      if (torn && p == point::before_spooling) continue;
      BOOST_TEST_CONTEXT("after_spooling " << (p == point::after_spooling) << " torn " << torn) {
        test::temp_dir dir;
        std::ofstream(dir / "app.log") << "";
        follower_rig rig(dir);
        rig.append(rig.log, "1\n");
        rig.follower->poll();
        crashing_store crashing(dir / "positions", p);
        rig.restart(crashing);
        rig.append(rig.log, "2\n3\n");
        BOOST_CHECK_THROW(rig.follower->poll(), simulated_crash);
        if (torn) {
          // The append was cut after its first record.
          auto active = dir / "spool" / "active.log";
          auto text = *read_file(active);
          std::filesystem::resize_file(active, text.rfind(" app 3\n") - 23);
        }
        rig.restart_agent();
        rig.append(rig.log, "4\n");
        rig.follower->poll();
        BOOST_TEST((rig.lines() == lines_t{"1", "2", "3", "4"}));
      }
    }
  }
}

// With multi-line events the position never passes the first line of an
// unfinished event: a restart (or a crash around an append) reads it again
// whole, and a batch read again splits into the same events.
BOOST_AUTO_TEST_CASE(multi_line_events_survive_a_crash_with_an_event_half_read) {
  using point = crashing_store::point;
  for (auto p : {point::before_spooling, point::after_spooling}) {
    for (bool torn : {false, true}) {
      if (torn && p == point::before_spooling) continue;
      BOOST_TEST_CONTEXT("after_spooling " << (p == point::after_spooling) << " torn " << torn) {
        test::temp_dir dir;
        std::ofstream(dir / "app.log") << "";
        follower_rig rig(dir);
        rig.settings.multiline.continuation = *multiline_preset("java");
        rig.restart();
        rig.append(rig.log, "start 1\n");
        rig.follower->poll();  // open: waits for the next start
        crashing_store crashing(dir / "positions", p);
        rig.restart(crashing);
        rig.append(rig.log, "\tat a\nstart 2\n\tat b\nstart 3\n");
        BOOST_CHECK_THROW(rig.follower->poll(), simulated_crash);
        if (torn) {
          auto active = dir / "spool" / "active.log";
          auto text = *read_file(active);
          std::filesystem::resize_file(active, text.rfind(" app start 2") - 23);
        }
        rig.restart_agent();
        rig.append(rig.log, "\tat c\nstart 4\n");
        rig.follower->poll();
        BOOST_TEST(
            (rig.lines() == lines_t{"start 1\\n\tat a", "start 2\\n\tat b", "start 3\\n\tat c"}));
        // The last event ends by the timeout, alone in its batch.
        rig.follower->expire(multiline_assembler::clock::now() + std::chrono::hours(1));
        BOOST_TEST(rig.lines().back() == "start 4");
      }
    }
  }
}

// The alarm of a line is raised before its batch is spooled, so a spool that
// cannot be written does not hold it back; the batch delivered again once
// the spool works does not raise it twice.
BOOST_AUTO_TEST_CASE(a_spool_error_neither_silences_nor_repeats_alarms) {
  test::temp_dir dir;
  std::ofstream(dir / "app.log") << "";
  follower_rig rig(dir);
  rig.append(rig.log, "ok\n");
  rig.follower->poll();
  // The spool closes its active file; a directory in its place makes the next append fail.
  BOOST_REQUIRE(rig.spooled->rotate());
  auto active = dir / "spool" / "active.log";
  std::filesystem::create_directory(active);
  rig.append(rig.log, "an ERROR\n");
  rig.follower->poll();
  BOOST_TEST((rig.hits == std::vector<std::uint64_t>{3}));
  rig.follower->poll();  // still failing: retried, not raised again
  std::filesystem::remove(active);
  rig.append(rig.log, "ERROR again\n");
  rig.follower->poll();
  BOOST_TEST((rig.hits == std::vector<std::uint64_t>{3, 12}));
  BOOST_TEST((rig.lines() == lines_t{"ok", "an ERROR", "ERROR again"}));
}

BOOST_AUTO_TEST_SUITE_END()
