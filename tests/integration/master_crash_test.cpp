// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE master_crash_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

std::size_t part_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    n += e.path().extension() == ".part";
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill9_mid_transfer_leaves_no_final_file_and_the_next_pull_stores_it_whole) {
  master_fixture m("chunk_size = \"1KiB\"");
  test_agent agent(m.mqtt().url(), "node-k", "10.3.3.3");
  agent.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-k") == "online"; }));

  auto bytes = random_bytes(20 * 1024 + 5, 7);
  auto req = open_pull(m, agent, {"k.log"});
  auto man = agent.manifest("k.log", bytes, "tk1", req, master_fixture::k_id, 1024);
  agent.send_begin(man);
  for (std::uint32_t i = 0; i < 4; ++i) agent.send_chunk(man, bytes, i);
  BOOST_REQUIRE(wait_until([&] {
    auto t = m.get("/api/v1/transfers");
    return t.is_object() && t["transfers"].size() == 1 &&
           t["transfers"][0].value("bytes_received", 0) >= 4096;
  }));
  auto final_path = m.data_dir() / "10.3.3.3" / "node-k" / "k.log";
  BOOST_TEST(part_files(m.data_dir()) == 1u);

  m.kill9();
  BOOST_TEST(!std::filesystem::exists(final_path));
  // The agent goes on sending into the void; nothing may appear.
  for (std::uint32_t i = 4; i < 8; ++i) agent.send_chunk(man, bytes, i);

  m.start();
  // The restarted master removes the orphaned partial file...
  BOOST_REQUIRE(wait_until([&] { return part_files(m.data_dir()) == 0; }));
  BOOST_TEST(!std::filesystem::exists(final_path));
  // ...and the next pull stores the whole file.
  BOOST_REQUIRE(wait_until([&] { return m.node_state("node-k") == "online"; }));
  agent.add_file("k.log", bytes);
  agent.serve(master_fixture::k_id);
  auto id = m.pull("node-k");
  BOOST_REQUIRE(!id.empty());
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(id); }));
  BOOST_TEST(m.pull_status(id)["status"] == "done");
  BOOST_TEST((read_all(final_path) == bytes));
  BOOST_TEST(stored_files(m.data_dir()).size() == 1u);
  BOOST_TEST(wait_until([&] { return !agent.has_file("k.log"); }));
}
