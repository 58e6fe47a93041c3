// SPDX-License-Identifier: Apache-2.0
// zstd uploads as an attack (node-a's credentials, production broker):
// a decompression bomb and corrupt compressed bytes under node-a's own
// pull are rejected with a reason, nothing of node-a is stored, the master's
// memory stays bounded, and node-b (a real agent, compressing) is pulled
// and stored meanwhile.
#define BOOST_TEST_MODULE zstd_uploads_test
#include <boost/test/unit_test.hpp>

#include "core/fs/sha256.hpp"
#include "tests/integration/master_test_agent.hpp"
#include "tests/security/attacked_fleet.hpp"
#include "tests/support/zstd_bytes.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr auto k_wait = std::chrono::seconds(60);

std::filesystem::path node_b_log() {
  return std::filesystem::temp_directory_path() /
         fmt::format("peranda-zstd-node-b-{}.log", ::getpid());
}

std::string node_b_source() {
  std::ofstream(node_b_log()).close();
  return "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + node_b_log().string() +
         "\"\nfrom_beginning = true\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(bomb_and_corrupt_zstd_of_node_a_are_rejected_node_b_unaffected) {
  attacked_fleet f("max_file_size = \"64MiB\"", node_b_source());
  test_agent a(f.client("node-a", "node-a"), "node-a", "10.66.0.9");
  a.heartbeat();
  BOOST_REQUIRE(wait_until([&] { return f.node_state("node-a") == "online"; }));
  auto data_dir = f.dir / "master" / "data";
  auto rss_before = f.master_rss_kib();

  // 64 MiB of zeros in a few KiB, announced as 1 MiB; then a frame with
  // corrupted bytes whose sha256 (of what is sent) is right.
  std::string lines;
  for (int i = 0; i < 2000; ++i) lines += fmt::format("line {} of node-a\n", i);
  auto corrupt = zstd_of(lines);
  for (std::size_t i = corrupt.size() / 3; i < corrupt.size() / 3 + 8; ++i) corrupt[i] ^= 0x41;
  struct attack {
    std::string file, sent;
    std::uint64_t raw_size;
    std::string raw_sha256;
  };
  std::vector<attack> attacks{
      {"bomb.log.zst", zstd_of(std::string(64 << 20, '\0')), 1 << 20, std::string(64, 'a')},
      {"bad.log.zst", corrupt, lines.size(), sha256_hex(lines)}};
  for (std::size_t n = 0; n < attacks.size(); ++n) {
    const auto& at = attacks[n];
    auto id = f.pull("node-a");
    BOOST_REQUIRE(!id.empty());
    auto req = a.accept_request(id, {at.file}, k_wait);
    BOOST_REQUIRE(req);
    auto man = a.manifest(at.file, at.sent, fmt::format("z{}", n), req->request_id, "master-1",
                          req->chunk_size);
    BOOST_TEST((protocol::accepts_encoding(*req, "zstd")));
    man.enc = encoding::zstd;
    man.raw_size = at.raw_size;
    man.raw_sha256 = at.raw_sha256;
    a.send_begin(man);
    for (std::uint32_t i = 0; i < man.chunk_count; ++i) a.send_chunk(man, at.sent, i);
    a.send_end(man);
    auto ack = a.wait_final(man.transfer_id, k_wait);
    BOOST_REQUIRE(ack);
    BOOST_TEST(protocol::to_string(ack->status) == "rejected", at.file);
    BOOST_TEST(!ack->reason.empty());
    BOOST_REQUIRE(wait_until([&] { return f.pull_finished(id); }));
  }
  BOOST_TEST(f.metric("peranda_transfers_rejected_total{reason=\"bad_zstd\"}") +
                 f.metric("peranda_transfers_rejected_total{reason=\"raw_mismatch\"}") ==
             2);
  // No file of node-a, not even a left-over .part.
  std::size_t node_a_files = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(data_dir / "10.66.0.9", ec), end;
       !ec && it != end; it.increment(ec))
    node_a_files += it->is_regular_file();
  BOOST_TEST(node_a_files == 0u);

  // node-b: a real agent compressing its spool; its line arrives as .zst.
  std::ofstream(node_b_log(), std::ios::app) << "node-b-after-zstd-attacks\n";
  auto stored = [&] {
    for (const auto& file : stored_files(data_dir / "127.0.0.1" / "node-b")) {
      if (file.extension() == ".zst" &&
          read_all(file).find("node-b-after-zstd-attacks") != std::string::npos)
        return true;
    }
    return false;
  };
  BOOST_TEST_REQUIRE(wait_until([&] {
                       auto id = f.pull("node-b");
                       if (!id.empty()) wait_until([&] { return f.pull_finished(id); });
                       return stored();
                     }),
                     f.master->log() << "\nnode-b:\n" << f.node_b->log());
  BOOST_TEST(f.node_state("node-b") == "online");
  auto rss = f.master_rss_kib();
  BOOST_TEST(rss < rss_before + rss_bound_kib(64), "master RSS " << rss << " KiB, was "
                                                                  << rss_before);
  std::filesystem::remove(node_b_log());
}
