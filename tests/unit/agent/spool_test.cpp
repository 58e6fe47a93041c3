// SPDX-License-Identifier: Apache-2.0
#include "node-agent/spool/spool.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "core/compress/log_reader.hpp"
#include "core/compress/zstd_stream.hpp"
#include "core/fs/durable_file.hpp"
#include "core/fs/sha256.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;

namespace {

std::unique_ptr<spool> open_spool(const test::temp_dir& dir, std::uint64_t rotate = 1024,
                                  std::uint64_t max = 1 << 20,
                                  encoding compression = encoding::plain) {
  auto s = spool::open({dir.path(), rotate, std::chrono::hours(1), max, compression});
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  return std::move(*s);
}

std::string content(const spool& s, const spool_file& f) {
  return *read_log_file(s.path_of(f.name));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_spool)

BOOST_AUTO_TEST_CASE(rotates_by_size_and_keeps_whole_records) {
  test::temp_dir dir;
  auto s = open_spool(dir, 100);
  std::string record(39, 'x');
  record += '\n';
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(s->append(record));
  // 40-byte records, 100-byte limit: two per file.
  auto closed = s->closed_files();
  BOOST_REQUIRE_EQUAL(closed.size(), 2u);
  BOOST_TEST(content(*s, closed[0]) == record + record);
  BOOST_TEST(closed[0].name < closed[1].name);
  BOOST_TEST(s->stats().active_bytes == 40u);
}

BOOST_AUTO_TEST_CASE(rotates_by_age_and_on_demand) {
  test::temp_dir dir;
  auto s = open_spool(dir);
  // Far from the real clock: the age runs from the append that opened the
  // file, by the time that append was given.
  auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365);
  BOOST_REQUIRE(s->append("a\n", t0));
  BOOST_REQUIRE(s->rotate_if_old(t0 + std::chrono::minutes(59)));
  BOOST_TEST(s->closed_files().empty());
  BOOST_REQUIRE(s->rotate_if_old(t0 + std::chrono::minutes(61)));
  BOOST_TEST(s->closed_files().size() == 1u);
  BOOST_REQUIRE(s->append("b\n"));
  BOOST_REQUIRE(s->rotate());
  BOOST_REQUIRE(s->rotate());  // nothing new: no empty file
  BOOST_TEST(s->closed_files().size() == 2u);
}

BOOST_AUTO_TEST_CASE(cap_drops_oldest_unpinned_files_and_counts) {
  test::temp_dir dir;
  auto s = open_spool(dir, 100, 250);
  std::string record(99, 'r');
  record += '\n';
  BOOST_REQUIRE(s->append(record));
  BOOST_REQUIRE(s->rotate());
  auto first = s->closed_files().front().name;
  s->pin(first);
  BOOST_REQUIRE(s->append(record));
  BOOST_REQUIRE(s->rotate());
  auto second = s->closed_files().back().name;
  BOOST_REQUIRE(s->append(record));  // 300 bytes > 250: drop the oldest unpinned
  BOOST_TEST(s->stats().dropped_files == 1u);
  BOOST_TEST(!std::filesystem::exists(s->path_of(second)));
  BOOST_TEST(std::filesystem::exists(s->path_of(first)));
}

BOOST_AUTO_TEST_CASE(a_closed_file_carries_the_sha256_of_its_bytes) {
  test::temp_dir dir;
  auto s = open_spool(dir);
  BOOST_REQUIRE(s->append("one\n"));
  BOOST_REQUIRE(s->append("two\nthree\n"));
  BOOST_REQUIRE(s->rotate());
  auto f = s->closed_files().front();
  BOOST_TEST(f.sha256 == sha256_file_hex(s->path_of(f.name)).value());
  BOOST_TEST(f.sha256 == sha256_hex("one\ntwo\nthree\n"));
  // Found at start-up, a file is hashed when it is uploaded instead.
  s.reset();
  s = open_spool(dir);
  BOOST_TEST(s->closed_files().front().sha256.empty());
}

BOOST_AUTO_TEST_CASE(recovers_from_a_torn_write) {
  test::temp_dir dir;
  {
    auto s = open_spool(dir);
    BOOST_REQUIRE(s->append("whole 1\nwhole 2\n"));
  }
  // A crash in the middle of a write leaves half a record behind.
  {
    std::ofstream active(dir / "active.log", std::ios::app);
    active << "torn rec";
  }
  auto s = open_spool(dir);
  auto closed = s->closed_files();
  BOOST_REQUIRE_EQUAL(closed.size(), 1u);
  BOOST_TEST(content(*s, closed[0]) == "whole 1\nwhole 2\n");
  BOOST_TEST(!std::filesystem::exists(dir / "active.log"));
  BOOST_REQUIRE(s->append("next\n"));
  BOOST_REQUIRE(s->rotate());
  BOOST_TEST(content(*s, s->closed_files().back()) == "next\n");
}

BOOST_AUTO_TEST_CASE(remove_deletes_only_closed_files) {
  test::temp_dir dir;
  auto s = open_spool(dir);
  BOOST_REQUIRE(s->append("x\n"));
  BOOST_REQUIRE(s->rotate());
  auto name = s->closed_files().front().name;
  BOOST_TEST(!s->remove("active.log"));
  BOOST_REQUIRE(s->remove(name));
  BOOST_TEST(s->closed_files().empty());
  BOOST_TEST(!std::filesystem::exists(s->path_of(name)));
}

BOOST_AUTO_TEST_CASE(names_never_repeat_even_when_the_clock_went_back) {
  test::temp_dir dir;
  std::filesystem::create_directories(dir.path());
  std::ofstream(dir / "spool-9999999999999-000005.log") << "future\n";
  auto s = open_spool(dir);
  BOOST_REQUIRE(s->append("now\n"));
  BOOST_REQUIRE(s->rotate());
  auto closed = s->closed_files();
  BOOST_REQUIRE_EQUAL(closed.size(), 2u);
  BOOST_TEST(closed[1].name == "spool-9999999999999-000006.log");
  BOOST_TEST(content(*s, closed[0]) == "future\n");
}

// zstd: what the crash recovery and the uploader rely on.

BOOST_AUTO_TEST_CASE(zstd_closed_files_hold_the_records_and_know_their_digests) {
  test::temp_dir dir;
  auto s = open_spool(dir, 1 << 20, 1 << 30, encoding::zstd);
  std::string all;
  for (int i = 0; i < 2000; ++i) {
    auto record = fmt::format("2026-12-04T10:00:{:02} host sshd[{}]: accepted key\n", i % 60, i);
    all += record;
    BOOST_REQUIRE(s->append(record));
  }
  BOOST_REQUIRE(s->rotate());
  auto closed = s->closed_files();
  BOOST_REQUIRE_EQUAL(closed.size(), 1u);
  const auto& f = closed[0];
  BOOST_TEST(f.name.ends_with(".log.zst"));
  BOOST_TEST(content(*s, f) == all);
  BOOST_TEST(f.raw_size == all.size());
  BOOST_TEST(f.raw_sha256 == sha256_hex(all));
  auto on_disk = read_file(s->path_of(f.name));
  BOOST_TEST(f.size == on_disk->size());
  BOOST_TEST(f.sha256 == sha256_hex(*on_disk));
  BOOST_TEST(f.size * 5 < f.raw_size);  // repetitive lines: the cap counts these bytes
  BOOST_TEST(s->stats().closed_bytes == f.size);
  BOOST_TEST(!std::filesystem::exists(dir.path() / "active.log"));
  BOOST_TEST(!std::filesystem::exists(dir.path() / "active.log.zst.part"));
}

BOOST_AUTO_TEST_CASE(zstd_restart_cuts_a_torn_record_and_compresses_whole_records) {
  test::temp_dir dir;
  {
    auto s = open_spool(dir, 1 << 20, 1 << 30, encoding::zstd);
    BOOST_REQUIRE(s->append("one\ntwo\n"));
  }  // as after kill -9: active.log and a part holding an unfinished frame
  BOOST_REQUIRE(std::filesystem::exists(dir.path() / "active.log.zst.part"));
  {
    std::ofstream torn(dir.path() / "active.log", std::ios::app);
    torn << "thr";
  }
  auto s = open_spool(dir, 1 << 20, 1 << 30, encoding::zstd);
  auto closed = s->closed_files();
  BOOST_REQUIRE_EQUAL(closed.size(), 1u);
  BOOST_TEST(content(*s, closed[0]) == "one\ntwo\n");
  BOOST_TEST(closed[0].raw_sha256 == sha256_hex("one\ntwo\n"));
}

BOOST_AUTO_TEST_CASE(zstd_restart_after_the_commit_keeps_one_copy) {
  test::temp_dir dir;
  // A crash after active.log.zst was committed, before the plain file went.
  std::string frame;
  zstd_compressor c(1);
  BOOST_REQUIRE(c.update("a\nb\n", frame));
  BOOST_REQUIRE(c.finish(frame));
  BOOST_REQUIRE(write_file_atomic(dir.path() / "active.log.zst", frame));
  BOOST_REQUIRE(write_file_atomic(dir.path() / "active.log", "a\nb\n"));
  auto s = open_spool(dir, 1 << 20, 1 << 30, encoding::zstd);
  auto closed = s->closed_files();
  BOOST_REQUIRE_EQUAL(closed.size(), 1u);
  BOOST_TEST(content(*s, closed[0]) == "a\nb\n");
  BOOST_TEST(!std::filesystem::exists(dir.path() / "active.log"));
}

BOOST_AUTO_TEST_CASE(zstd_records_since_a_mark_survive_the_close) {
  test::temp_dir dir;
  spool_mark m;
  {
    auto s = open_spool(dir, 1 << 20, 1 << 30, encoding::zstd);
    BOOST_REQUIRE(s->append("1 src old\n"));
    m = s->mark();
    BOOST_REQUIRE(s->append("2 src new\n3 other x\n4 src new\n"));
  }  // crash: the restart closes the active file into a .zst of another inode
  auto s = open_spool(dir, 1 << 20, 1 << 30, encoding::zstd);
  BOOST_REQUIRE_EQUAL(s->closed_files().size(), 1u);
  auto n = s->records_since("src", m);
  BOOST_REQUIRE(n.has_value());
  BOOST_TEST(*n == 2u);
}

BOOST_AUTO_TEST_CASE(zstd_streamed_ratio_is_within_10_percent_of_zstd_cli_level_1) {
  // The loghub sample when present (else generated lines), as records,
  // appended in batches as sources do; compared with `zstd -1` on the
  // whole raw file.
  std::vector<std::string> texts;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(PERANDA_SOURCE_DIR) / ".." / "shared" / "corpus" / "loghub-2k", ec)) {
    if (e.path().extension() != ".log") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) texts.push_back(line);
  }
  if (texts.empty()) {
    BOOST_TEST_MESSAGE("no corpus: generated lines");
    for (int i = 0; i < 40'000; ++i)
      texts.push_back(fmt::format("host{} sshd[{}]: Accepted key for u{} port {}", i % 7, i % 300,
                                  i % 13, 40000 + i % 9999));
  }
  test::temp_dir dir;
  auto s = open_spool(dir, 64 << 20, 1ull << 30, encoding::zstd);
  std::string raw, batch;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    batch += fmt::format("2026-12-04T10:{:02}:{:02}.{:03}Z app {}\n", i / 60000 % 60, i / 1000 % 60,
                         i % 1000, texts[i]);
    if (i % 20 == 19 || i + 1 == texts.size()) {
      raw += batch;
      BOOST_REQUIRE(s->append(batch));
      batch.clear();
    }
  }
  BOOST_REQUIRE(s->rotate());
  auto f = s->closed_files().at(0);
  BOOST_REQUIRE(write_file_atomic(dir.path() / "raw.txt", raw));
  auto cmd = fmt::format("zstd -q -1 -f '{}' -o '{}'", (dir.path() / "raw.txt").string(),
                         (dir.path() / "cli.zst").string());
  BOOST_REQUIRE_EQUAL(std::system(cmd.c_str()), 0);
  auto cli = std::filesystem::file_size(dir.path() / "cli.zst");
  BOOST_TEST_MESSAGE("raw " << raw.size() << " B, spool " << f.size << " B, zstd -1 " << cli
                            << " B (ratio " << double(raw.size()) / double(f.size) << " vs "
                            << double(raw.size()) / double(cli) << ")");
  BOOST_TEST(double(f.size) <= 1.10 * double(cli));
  BOOST_TEST(content(*s, f) == raw);
}

BOOST_AUTO_TEST_SUITE_END()
