// SPDX-License-Identifier: Apache-2.0
// zstd end to end, every part real: peranda-agent tails a corpus file (the
// loghub sample in ../shared/corpus when present, else generated text),
// peranda-master pulls it. Whatever is compressed where, the stored files
// hold exactly the lines the agent spooled, once each; the suffix says how
// they are stored.
#define BOOST_TEST_MODULE zstd_upload
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "node-agent/sources/line_sink.hpp"
#include "tests/integration/master_fixture.hpp"
#include "tests/support/programs.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

// ../shared/corpus next to the source tree, as the issue names it.
const std::filesystem::path k_corpus =
    std::filesystem::path(PERANDA_SOURCE_DIR) / ".." / "shared" / "corpus" / "loghub-2k";

// The corpus lines, or generated ones when the corpus is not there.
std::vector<std::string> corpus_lines() {
  std::vector<std::string> lines;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(k_corpus, ec))
    if (e.path().extension() == ".log") files.push_back(e.path());
  std::ranges::sort(files);
  for (const auto& f : files) {
    std::ifstream in(f);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) lines.push_back(line);
    }
  }
  if (!lines.empty()) return lines;
  BOOST_TEST_MESSAGE("no corpus at " << k_corpus << ": using generated log lines");
  for (int i = 0; i < 40'000; ++i) {
    lines.push_back(fmt::format("2026-12-04 10:{:02}:{:02} host{} sshd[{}]: Accepted publickey for "
                                "user{} from 10.0.{}.{} port {}",
                                i / 60 % 60, i % 60, i % 7, 1000 + i % 300, i % 13, i % 5, i % 250,
                                40000 + i % 9999));
  }
  return lines;
}

// The texts of the records in every stored file, in name order (files of
// one node sort by age), and the stored bytes on disk.
std::vector<std::string> stored_texts(const std::filesystem::path& data_dir,
                                      std::uint64_t& disk_bytes, std::set<std::string>& suffixes) {
  auto files = stored_files(data_dir);
  std::ranges::sort(files, {}, [](const auto& p) { return p.filename(); });
  std::vector<std::string> out;
  disk_bytes = 0;
  for (const auto& f : files) {
    disk_bytes += std::filesystem::file_size(f);
    suffixes.insert(f.filename().string().ends_with(".log.zst") ? ".log.zst" : ".log");
    std::istringstream in(read_all(f));
    for (std::string record; std::getline(in, record);) {
      // `<time> <source> <text>`
      auto a = record.find(' ');
      auto b = record.find(' ', a + 1);
      out.push_back(agent::unescape_record_text(record.substr(b + 1)));
    }
  }
  return out;
}

// Runs one agent (extra [agent] lines) and master (extra [master] lines),
// writes the corpus to the tailed file and pulls until every line is stored.
void ships_exactly_the_lines(const std::string& master_extra, const std::string& agent_extra,
                             const std::string& suffix) {
  master_fixture master(master_extra, "1h");
  auto log_file = master.dir() / "app.log";
  std::ofstream(log_file).close();
  auto agent = start_agent({master.mqtt().url(), master.dir() / "agent"}, "zstd-node",
                           "spool_rotate_bytes = \"1MiB\"\n" + agent_extra +
                               "\n[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" +
                               log_file.string() +
                               "\"\nfrom_beginning = true\nrule_lines_per_second = 0\n");
  BOOST_TEST_REQUIRE(wait_until([&] { return master.node_state("zstd-node") == "online"; }),
                     agent->log());
  auto lines = corpus_lines();
  std::uint64_t raw_bytes = 0;
  {
    std::ofstream out(log_file, std::ios::app);
    for (const auto& l : lines) {
      out << l << '\n';
      raw_bytes += l.size() + 1;
    }
  }
  std::uint64_t disk = 0;
  std::set<std::string> suffixes;
  BOOST_TEST_REQUIRE(wait_until([&] {
                       auto id = master.pull("zstd-node");
                       if (!id.empty()) wait_until([&] { return master.pull_finished(id); });
                       return stored_texts(master.data_dir(), disk, suffixes).size() >=
                              lines.size();
                     }),
                     agent->log() << master.log());
  suffixes.clear();
  auto stored = stored_texts(master.data_dir(), disk, suffixes);
  BOOST_TEST(stored == lines);  // all, once each, in order
  BOOST_TEST(suffixes == std::set<std::string>{suffix});
  BOOST_TEST_MESSAGE(lines.size() << " lines, " << raw_bytes << " bytes of text stored in " << disk
                                  << " bytes (" << suffix << ")");
  if (suffix == ".log.zst") BOOST_TEST(disk * 5 < raw_bytes);
  // Nothing was refused on the way.
  BOOST_TEST(master.get_text("/metrics").find("bad_zstd") == std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_tailed_corpus_is_stored_as_zst_holding_exactly_the_spooled_lines) {
  ships_exactly_the_lines("", "", ".log.zst");
}

BOOST_AUTO_TEST_CASE(store_compressed_false_stores_the_lines_decompressed) {
  ships_exactly_the_lines("store_compressed = false", "", ".log");
}

BOOST_AUTO_TEST_CASE(an_agent_with_compression_none_sends_plain_files) {
  ships_exactly_the_lines("", "compression = \"none\"", ".log");
}

BOOST_AUTO_TEST_CASE(a_master_taking_only_plain_gets_the_files_decompressed) {
  ships_exactly_the_lines("accept_encodings = [\"plain\"]", "compression_level = 3", ".log");
}
