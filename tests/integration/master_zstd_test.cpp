// SPDX-License-Identifier: Apache-2.0
// The master's side of zstd uploads, played by a test agent: a good zstd
// file is verified and stored as received; bytes that do not decompress to
// what the manifest announced (corrupt, a bomb, a lie about the raw size)
// are rejected with a reason, nothing is stored and the refusal is counted.
#define BOOST_TEST_MODULE master_zstd_test
#include <boost/test/unit_test.hpp>

#include "core/fs/durable_file.hpp"
#include "core/fs/sha256.hpp"
#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"
#include "tests/support/zstd_bytes.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr auto k_ack_wait = std::chrono::seconds(60);
constexpr std::uint32_t k_chunk = 4096;

struct online_agent {
  explicit online_agent(master_fixture& m) : agent(m.mqtt().url(), "node-z", "10.9.9.9") {
    agent.heartbeat();
    BOOST_REQUIRE(wait_until([&] { return m.node_state("node-z") == "online"; }));
  }
  test_agent agent;
};

std::string log_text() {
  std::string out;
  for (int i = 0; i < 3000; ++i)
    out += fmt::format("2026-12-04T10:00:00Z app GET /item/{} 200 {}ms\n", i, i % 97);
  return out;
}

// Uploads `sent` as file `name` announced as zstd of `raw_size` bytes with
// `raw_sha256`; returns the final ack.
protocol::logs_ack upload(master_fixture& m, test_agent& agent, const std::string& name,
                          const std::string& sent, std::uint64_t raw_size,
                          const std::string& raw_sha256, const std::string& transfer) {
  auto req = open_pull(m, agent, {name});
  auto man = agent.manifest(name, sent, transfer, req, master_fixture::k_id, k_chunk);
  man.enc = encoding::zstd;
  man.raw_size = raw_size;
  man.raw_sha256 = raw_sha256;
  agent.send_begin(man);
  for (std::uint32_t i = 0; i < man.chunk_count; ++i) agent.send_chunk(man, sent, i);
  agent.send_end(man);
  auto ack = agent.wait_final(transfer, k_ack_wait);
  BOOST_REQUIRE(ack);
  BOOST_REQUIRE(wait_until([&] { return m.pull_finished(req); }));
  return *ack;
}

double rejected(const master_fixture& m, const std::string& reason) {
  return m.metric("peranda_transfers_rejected_total{reason=\"" + reason + "\"}");
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_good_zstd_file_is_verified_and_stored_as_received) {
  master_fixture m("chunk_size = \"4KiB\"\nwindow = 8");
  online_agent a(m);
  auto raw = log_text();
  auto packed = zstd_of(raw);
  auto ack = upload(m, a.agent, "s.log.zst", packed, raw.size(), sha256_hex(raw), "tz1");
  BOOST_TEST(protocol::to_string(ack.status) == "complete", ack.reason);
  auto stored = m.data_dir() / "10.9.9.9" / "node-z" / "s.log.zst";
  BOOST_TEST((read_file(stored).value() == packed));  // as received
  BOOST_TEST((read_all(stored) == raw));              // the announced lines
}

BOOST_AUTO_TEST_CASE(corrupt_compressed_bytes_are_rejected_and_nothing_is_stored) {
  master_fixture m("chunk_size = \"4KiB\"\nwindow = 8");
  online_agent a(m);
  auto raw = log_text();
  auto packed = zstd_of(raw);
  for (std::size_t i = packed.size() / 3; i < packed.size() / 3 + 16; ++i) packed[i] ^= 0x33;
  // sha256 of the bytes sent is right: only decompressing can tell.
  auto ack = upload(m, a.agent, "c.log.zst", packed, raw.size(), sha256_hex(raw), "tz2");
  BOOST_TEST(protocol::to_string(ack.status) == "rejected");
  BOOST_TEST(!ack.reason.empty());
  BOOST_TEST_MESSAGE("reason: " << ack.reason);
  BOOST_TEST(stored_files(m.data_dir()).empty());
  BOOST_TEST(rejected(m, "bad_zstd") + rejected(m, "raw_mismatch") == 1);
}

BOOST_AUTO_TEST_CASE(a_decompression_bomb_stops_at_the_announced_size) {
  master_fixture m("chunk_size = \"4KiB\"\nwindow = 8\nmax_file_size = \"64MiB\"");
  online_agent a(m);
  // 64 MiB of zeros in a few KiB, announced as 1 MiB of lines.
  auto bomb = zstd_of(std::string(64 << 20, '\0'));
  BOOST_TEST_REQUIRE(bomb.size() < 256u * 1024);
  auto ack = upload(m, a.agent, "b.log.zst", bomb, 1 << 20, std::string(64, 'a'), "tz3");
  BOOST_TEST(protocol::to_string(ack.status) == "rejected");
  BOOST_TEST(ack.reason.find("more than the announced") != std::string::npos, ack.reason);
  BOOST_TEST(stored_files(m.data_dir()).empty());
  BOOST_TEST(rejected(m, "bad_zstd") == 1);
}

BOOST_AUTO_TEST_CASE(an_announced_raw_size_past_max_file_size_is_refused_at_begin) {
  master_fixture m("chunk_size = \"4KiB\"\nwindow = 8\nmax_file_size = \"64MiB\"");
  online_agent a(m);
  auto bomb = zstd_of(std::string(1 << 20, '\0'));
  auto ack2 = upload(m, a.agent, "h.log.zst", bomb, 1ull << 40, std::string(64, 'a'), "tz4");
  BOOST_TEST(protocol::to_string(ack2.status) == "rejected");
  BOOST_TEST(ack2.reason.find("raw bytes exceeds max_file_size") != std::string::npos,
             ack2.reason);
  BOOST_TEST(rejected(m, "too_large") == 1);
  BOOST_TEST(stored_files(m.data_dir()).empty());
}

BOOST_AUTO_TEST_CASE(a_plain_only_master_refuses_zstd_and_asks_for_plain) {
  master_fixture m("chunk_size = \"4KiB\"\naccept_encodings = [\"plain\"]");
  online_agent a(m);
  auto raw = log_text();
  auto ack = upload(m, a.agent, "p.log.zst", zstd_of(raw), raw.size(), sha256_hex(raw), "tz5");
  BOOST_TEST(protocol::to_string(ack.status) == "rejected");
  BOOST_TEST(rejected(m, "encoding_refused") == 1);
  BOOST_TEST(stored_files(m.data_dir()).empty());
}
