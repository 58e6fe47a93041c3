// SPDX-License-Identifier: Apache-2.0
// The whole system, every part real: peranda-agent tails a log file and runs
// a collector, peranda-master pulls through mosquitto. Every line written
// ends up in exactly one stored file under <data_dir>/<ip>/, the agent's
// spool is emptied only of stored files, and every alarm is journaled once.
#define BOOST_TEST_MODULE end_to_end
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <sstream>

#include "tests/integration/master_fixture.hpp"
#include "tests/support/programs.hpp"

using namespace peranda::test;

namespace {

// Count of each "seq=N" marker across every stored file (not the journal).
std::map<int, int> stored_markers(const std::filesystem::path& data_dir) {
  std::map<int, int> seen;
  for (const auto& file : stored_files(data_dir)) {
    std::istringstream in(read_all(file));
    for (std::string line; std::getline(in, line);) {
      auto at = line.find("seq=");
      if (at != std::string::npos && line.find("e2e-marker") != std::string::npos) {
        ++seen[std::stoi(line.substr(at + 4))];
      }
    }
  }
  return seen;
}

std::size_t journal_alarms(const master_fixture& m, std::set<std::string>& ids) {
  auto body = m.get("/api/v1/alarms");
  ids.clear();
  std::size_t total = 0;
  if (body.is_object()) {
    for (const auto& a : body["alarms"]) {
      ids.insert(a.value("id", ""));
      ++total;
    }
  }
  return total;
}

std::size_t closed_spool_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    n += e.path().filename().string().starts_with("spool-");
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lines_and_alarms_flow_from_agent_files_to_master_storage) {
  master_fixture master("chunk_size = \"4KiB\"\nwindow = 4", "1h");
  auto log_file = master.dir() / "app.log";
  std::ofstream(log_file).close();
  auto agent = start_agent(
      {master.mqtt().url(), master.dir() / "agent"}, "e2e-node",
      "spool_rotate_bytes = \"16KiB\"\n"
      "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + log_file.string() +
          "\"\nfrom_beginning = true\nrule_lines_per_second = 0\n"
          "[[source]]\ntype = \"exec\"\nname = \"mem\"\ncommand = [\"" + PERANDA_SOURCE_DIR +
          "/deploy/collectors/memory.sh\"]\ninterval = \"1s\"\n"
          "[[rule]]\nname = \"fatal\"\npattern = 'FATAL'\nseverity = \"critical\"\n"
          "sources = [\"app\"]\n");
  BOOST_TEST_REQUIRE(wait_until([&] { return master.node_state("e2e-node") == "online"; }),
                     agent->log());

  constexpr int k_lines = 3000;
  constexpr int k_alarm_every = 500;
  {
    std::ofstream out(log_file, std::ios::app);
    for (int i = 0; i < k_lines; ++i) {
      out << "e2e-marker seq=" << i << (i % k_alarm_every == 0 ? " FATAL boom" : " ok") << " "
          << std::string(static_cast<std::size_t>(i % 97), 'x') << "\n";
    }
  }
  std::set<std::string> ids;
  BOOST_TEST_REQUIRE(wait_until([&] { return journal_alarms(master, ids) >= 6; }),
                     master.log());

  // Pull until every marker is stored: a pull takes only closed files, and the
  // file the agent is still writing is closed by the request itself.
  auto spool = master.dir() / "agent" / "spool" / "files";
  BOOST_TEST_REQUIRE(wait_until([&] {
                       auto id = master.pull("e2e-node");
                       if (!id.empty()) wait_until([&] { return master.pull_finished(id); });
                       return static_cast<int>(stored_markers(master.data_dir()).size()) == k_lines;
                     }),
                     agent->log() << master.log());

  auto seen = stored_markers(master.data_dir());
  int duplicated = 0;
  for (const auto& [seq, count] : seen) duplicated += count != 1;
  BOOST_TEST(duplicated == 0);
  for (const auto& file : stored_files(master.data_dir())) {
    BOOST_TEST(file.parent_path().parent_path().filename() == "127.0.0.1", file);
    BOOST_TEST(file.parent_path().filename() == "e2e-node", file);
  }
  // The agent deletes a file once the master's `complete` reaches it, which
  // is after the file appeared in storage: wait for that, then nothing
  // stored may be left in the spool.
  auto stored_still_spooled = [&] {
    std::set<std::string> stored;
    for (const auto& f : stored_files(master.data_dir())) stored.insert(f.filename());
    std::size_t both = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(spool, ec)) {
      both += stored.contains(e.path().filename());
    }
    return both;
  };
  BOOST_TEST_REQUIRE(wait_until([&] { return stored_still_spooled() == 0; }), agent->log());
  BOOST_TEST(closed_spool_files(spool) <= 1u);
  // Exactly one journal entry per alarm line, no duplicates by id.
  BOOST_TEST(journal_alarms(master, ids) == static_cast<std::size_t>(k_lines / k_alarm_every));
  BOOST_TEST(ids.size() == static_cast<std::size_t>(k_lines / k_alarm_every));
  // The master confirmed each journaled alarm, so the agent's outbox empties.
  auto outbox_size = [&] {
    std::error_code ec;
    auto it = std::filesystem::directory_iterator(master.dir() / "agent" / "spool" / "outbox", ec);
    return std::distance(it, std::filesystem::directory_iterator());
  };
  BOOST_TEST_REQUIRE(wait_until([&] { return outbox_size() == 0; }), agent->log());
  // The collector's lines were stored too.
  std::ostringstream all;
  for (const auto& file : stored_files(master.data_dir())) all << read_all(file);
  BOOST_TEST(all.str().find("mem") != std::string::npos);
}
