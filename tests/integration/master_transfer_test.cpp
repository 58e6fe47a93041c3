// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE master_transfer_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr auto k_ack_wait = std::chrono::seconds(60);
// A begin must carry the requested chunk_size: these tests send 1 KiB chunks.
constexpr const char* k_1kib_chunks = "chunk_size = \"1KiB\"";

struct online_agent {
  explicit online_agent(master_fixture& m, std::string node = "node-t", std::string ip = "10.9.8.7")
      : agent(m.mqtt().url(), node, ip) {
    agent.heartbeat();
    BOOST_REQUIRE(wait_until([&] { return m.node_state(node) == "online"; }));
  }
  test_agent agent;
};

}  // namespace

BOOST_AUTO_TEST_CASE(shuffled_duplicated_chunks_and_two_ends_store_one_right_copy) {
  master_fixture m("chunk_size = \"1KiB\"\nwindow = 8");
  online_agent a(m);
  auto bytes = random_bytes(40 * 1024 + 333, 2);
  a.agent.add_file("big.log", bytes);
  a.agent.serve(master_fixture::k_id, {.shuffle_and_duplicate = true, .end_twice = true});
  auto id = m.pull("node-t");
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(id); }));
  BOOST_TEST(m.pull_status(id)["status"] == "done");
  auto stored = m.data_dir() / "10.9.8.7" / "node-t" / "big.log";
  BOOST_TEST((read_all(stored) == bytes));
  BOOST_TEST(wait_until([&] { return !a.agent.has_file("big.log"); }));

  // The same file again (a new transfer of a new request): `complete`, no
  // second copy.
  a.agent.add_file("big.log", bytes);
  auto again = m.pull("node-t");
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(again); }));
  BOOST_TEST(m.pull_status(again)["status"] == "done");
  BOOST_TEST(wait_until([&] { return !a.agent.has_file("big.log"); }));
  BOOST_TEST(stored_files(m.data_dir()).size() == 1u);
  BOOST_TEST(sha256_file_hex(stored).value() == sha256_hex(bytes));
  BOOST_TEST(m.metric("peranda_files_stored_total") == 1);
  BOOST_TEST(m.metric("peranda_transfers_total{outcome=\"duplicate\"}") == 1);
}

BOOST_AUTO_TEST_CASE(a_repeated_end_after_complete_gets_complete_again) {
  master_fixture m(k_1kib_chunks);
  online_agent a(m);
  auto bytes = std::string("hello\n");
  auto req = open_pull(m, a.agent, {"r.log"});
  auto man = a.agent.manifest("r.log", bytes, "tr1", req, master_fixture::k_id, 1024);
  a.agent.send_begin(man);
  a.agent.send_chunk(man, bytes, 0);
  a.agent.send_end(man);
  auto ack = a.agent.wait_final("tr1", k_ack_wait);
  BOOST_REQUIRE(ack);
  BOOST_TEST(protocol::to_string(ack->status) == "complete");
  a.agent.send_end(man);
  auto again = a.agent.wait_final("tr1", k_ack_wait);
  BOOST_REQUIRE(again);
  BOOST_TEST(protocol::to_string(again->status) == "complete");
  BOOST_TEST(stored_files(m.data_dir()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_missing_chunk_is_reported_after_end) {
  master_fixture m(k_1kib_chunks);
  online_agent a(m);
  auto bytes = random_bytes(3000, 3);
  auto req = open_pull(m, a.agent, {"gap.log"});
  auto man = a.agent.manifest("gap.log", bytes, "tg1", req, master_fixture::k_id, 1024);
  a.agent.send_begin(man);
  a.agent.send_chunk(man, bytes, 0);
  a.agent.send_chunk(man, bytes, 2);
  a.agent.send_end(man);
  auto missing = a.agent.wait_ack(
      "tg1", [](const protocol::logs_ack& x) { return x.status == protocol::ack_status::missing; },
      k_ack_wait);
  BOOST_REQUIRE(missing);
  BOOST_TEST(missing->missing == std::vector<std::uint32_t>{1});
  BOOST_TEST(stored_files(m.data_dir()).empty());
  a.agent.send_chunk(man, bytes, 1);
  a.agent.send_end(man);
  auto done = a.agent.wait_final("tg1", k_ack_wait);
  BOOST_REQUIRE(done);
  BOOST_TEST(protocol::to_string(done->status) == "complete");
  BOOST_TEST((read_all(m.data_dir() / "10.9.8.7" / "node-t" / "gap.log") == bytes));
}

BOOST_AUTO_TEST_CASE(a_wrong_sha256_is_rejected_and_nothing_is_stored) {
  master_fixture m;
  online_agent a(m);
  a.agent.add_file("bad.log", random_bytes(5000, 4));
  a.agent.serve(master_fixture::k_id, {.wrong_sha256 = true});
  auto id = m.pull("node-t");
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(id); }));
  auto p = m.pull_status(id);
  BOOST_TEST(p["files"]["bad.log"]["stored"] == false);
  BOOST_TEST(a.agent.has_file("bad.log"));  // the agent keeps it
  BOOST_TEST(stored_files(m.data_dir()).empty());
  BOOST_TEST(!std::filesystem::exists(m.data_dir() / "10.9.8.7" / "node-t" / "bad.log"));
  BOOST_TEST(m.metric("peranda_transfers_rejected_total{reason=\"bad_sha256\"}") == 1);
}

BOOST_AUTO_TEST_CASE(limits_give_clear_rejections) {
  master_fixture m(std::string(k_1kib_chunks) +
                   "\nmax_file_size = \"4KiB\"\ntransfer_idle_timeout = \"1s\"");
  online_agent a(m);
  auto big = random_bytes(5000, 5);
  auto req = open_pull(m, a.agent, {"big.log", "idle.log"});
  auto man = a.agent.manifest("big.log", big, "tb1", req, master_fixture::k_id, 1024);
  a.agent.send_begin(man);
  auto ack = a.agent.wait_final("tb1", k_ack_wait);
  BOOST_REQUIRE(ack);
  BOOST_TEST(protocol::to_string(ack->status) == "rejected");
  BOOST_TEST(ack->reason.find("max_file_size") != std::string::npos);

  // An abandoned transfer is dropped after the idle timeout, .part and all.
  auto small = random_bytes(3000, 6);
  auto man2 = a.agent.manifest("idle.log", small, "ti1", req, master_fixture::k_id, 1024);
  a.agent.send_begin(man2);
  a.agent.send_chunk(man2, small, 0);
  auto idle = a.agent.wait_final("ti1", k_ack_wait);
  BOOST_REQUIRE(idle);
  BOOST_TEST(idle->reason.find("idle") != std::string::npos);
  BOOST_TEST(stored_files(m.data_dir()).empty());
  std::size_t parts = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(m.data_dir())) {
    parts += e.path().extension() == ".part";
  }
  BOOST_TEST(parts == 0u);
}

BOOST_AUTO_TEST_CASE(an_unwritable_data_dir_rejects_and_the_master_keeps_running) {
  master_fixture m(k_1kib_chunks);
  online_agent a(m);
  // A file where the node's directory should be: the master cannot store.
  std::filesystem::create_directories(m.data_dir() / "10.9.8.7");
  std::ofstream(m.data_dir() / "10.9.8.7" / "node-t") << "in the way";
  auto bytes = std::string("data\n");
  auto req = open_pull(m, a.agent, {"d.log"});
  auto man = a.agent.manifest("d.log", bytes, "td1", req, master_fixture::k_id, 1024);
  a.agent.send_begin(man);
  auto ack = a.agent.wait_final("td1", k_ack_wait);
  BOOST_REQUIRE(ack);
  BOOST_TEST(protocol::to_string(ack->status) == "rejected");
  BOOST_TEST(ack->reason.find("cannot") != std::string::npos);
  BOOST_TEST(m.running());
  // One node's blocked folder is that node's trouble: the master stays healthy.
  BOOST_TEST(m.get_text("/healthz").find("\"status\":\"ok\"") != std::string::npos);
  BOOST_TEST(m.metric("peranda_transfers_rejected_total{reason=\"storage_error\"}") == 1);
}
