// SPDX-License-Identifier: Apache-2.0
// The receiver with its real file I/O in a temp dir, but no broker: acks and
// outcomes are collected by the test.
#include "master-service/receiver/receiver.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "core/fs/sha256.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "tests/support/stored_files.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::master;
using protocol::ack_status;
using test::read_all;

namespace {

struct fixture {
  fixture() {
    config.id = "m1";
    config.data_dir = dir.path();
    config.max_transfers = 2;
    config.max_file_size = 1 << 20;
    config.chunk_size = 512;  // as every request of this master says
    unconfirmed.open(dir.path(), k_store).value();
  }

  receiver& rx() {
    if (!rx_) {
      rx_ = std::make_unique<receiver>(
          config, layout, unconfirmed, metrics,
          [this](const std::string&, const protocol::logs_ack& a) { acks.push_back(a); },
          [this](const transfer_outcome& o) { outcomes.push_back(o); },
          [this](std::string_view) { return ip; },
          [this](const protocol::upload_begin& m) -> std::optional<upload_refusal> {
            admitted.push_back(m.file);
            return refuse;
          },
          [this](const std::string&, const std::string&) { return pull_open; });
    }
    return *rx_;
  }

  protocol::upload_begin begin(const std::string& transfer, const std::string& bytes,
                               std::uint32_t chunk = 512, const std::string& node = "n1") {
    protocol::upload_begin m;
    m.transfer_id = transfer;
    m.request_id = "r1";
    m.master_id = "m1";
    m.node = node;
    m.file = "f.log";
    m.size = bytes.size();
    m.sha256 = sha256_hex(bytes);
    m.chunk_size = chunk;
    m.chunk_count = static_cast<std::uint32_t>(protocol::chunk_count_for(m.size, chunk));
    return m;
  }

  void send_all(const protocol::upload_begin& m, const std::string& bytes) {
    rx().on_begin("n1", m.transfer_id, protocol::encode(m), now);
    for (std::uint32_t i = 0; i < m.chunk_count; ++i) {
      rx().on_chunk("n1", m.transfer_id, i, bytes.substr(i * m.chunk_size, m.chunk_size), now);
    }
    rx().on_end("n1", m.transfer_id, protocol::encode(protocol::upload_end{m.transfer_id, 0}), now);
  }

  ack_status last() const { return acks.back().status; }
  std::filesystem::path final_path() const { return dir / "10.0.0.1" / "n1" / "f.log"; }

  test::temp_dir dir;
  std::string ip = "10.0.0.1";
  master_config config;
  storage_layout layout{dir.path(), "{ip}/{node}"};
  static inline const std::string k_store = std::string(32, '5');
  unconfirmed_ledger unconfirmed{"m1", {}};
  master_metrics metrics{get_logger("test")};
  std::unique_ptr<receiver> rx_;
  std::vector<protocol::logs_ack> acks;
  std::vector<transfer_outcome> outcomes;
  receiver::clock::time_point now{};
  std::optional<upload_refusal> refuse;  // what the pull tracker answers
  std::vector<std::string> admitted;     // files it was asked about
  bool pull_open = true;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(master_receiver, fixture)

BOOST_AUTO_TEST_CASE(a_whole_transfer_is_stored_then_acked_complete) {
  std::string bytes(1300, 'x');
  send_all(begin("t1", bytes), bytes);
  BOOST_TEST((last() == ack_status::complete));
  BOOST_TEST(read_all(final_path()) == bytes);
  BOOST_TEST(outcomes.size() == 1u);
  BOOST_TEST(outcomes[0].stored);
  BOOST_TEST(rx().active() == 0u);
  // A repeated end gets the same answer.
  rx().on_end("n1", "t1", protocol::encode(protocol::upload_end{"t1", 3}), now);
  BOOST_TEST((last() == ack_status::complete));
}

BOOST_AUTO_TEST_CASE(a_stored_file_is_watched_until_its_node_says_who_completed_it) {
  std::string bytes(900, 'w');
  auto m = begin("t1", bytes);
  send_all(m, bytes);
  BOOST_TEST((last() == ack_status::complete));
  BOOST_TEST(acks.back().store == k_store);
  BOOST_TEST(unconfirmed.size() == 1u);
  auto asked = unconfirmed.ask("n1", "r9");
  BOOST_TEST((asked == std::vector<protocol::stored_file_ref>{{"f.log", m.sha256}}));
  // Another store completed it after our complete was lost: ours goes.
  unconfirmed.settle("n1", "r9",
                     std::vector<protocol::file_confirmation>{
                         {"f.log", m.sha256, protocol::confirmation_state::completed, "m2",
                          std::string(32, '6')}});
  BOOST_TEST(!std::filesystem::exists(final_path()));
  BOOST_TEST(unconfirmed.counters().second_copies_removed.load() == 1u);
  BOOST_TEST(unconfirmed.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_restarted_master_still_knows_what_to_confirm) {
  std::string bytes(900, 'v');
  auto m = begin("t1", bytes);
  send_all(m, bytes);
  unconfirmed_ledger again{"m1", {}};
  again.open(dir.path(), k_store).value();
  BOOST_TEST(again.size() == 1u);
  again.ask("n1", "r2");
  // Our own complete arrived after all: the copy stays, the entry goes.
  again.settle("n1", "r2",
               std::vector<protocol::file_confirmation>{
                   {"f.log", m.sha256, protocol::confirmation_state::completed, "m1", k_store}});
  BOOST_TEST(std::filesystem::exists(final_path()));
  BOOST_TEST(again.size() == 0u);
  unconfirmed_ledger third{"m1", {}};
  third.open(dir.path(), k_store).value();
  BOOST_TEST(third.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_second_copy_whose_bytes_changed_is_not_removed) {
  std::string bytes(900, 'u');
  auto m = begin("t1", bytes);
  send_all(m, bytes);
  std::filesystem::remove(final_path());
  {
    std::ofstream out(final_path());
    out << "other bytes";
  }
  unconfirmed.ask("n1", "r3");
  unconfirmed.settle("n1", "r3",
                     std::vector<protocol::file_confirmation>{
                         {"f.log", m.sha256, protocol::confirmation_state::completed, "m2",
                          std::string(32, '6')}});
  BOOST_TEST(std::filesystem::exists(final_path()));
  BOOST_TEST(unconfirmed.counters().second_copies_removed.load() == 0u);
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_stored_at_end) {
  send_all(begin("t1", ""), "");
  BOOST_TEST((last() == ack_status::complete));
  BOOST_TEST(std::filesystem::exists(final_path()));
  BOOST_TEST(std::filesystem::file_size(final_path()) == 0u);
}

BOOST_AUTO_TEST_CASE(a_repeated_file_is_complete_at_begin_without_a_copy) {
  std::string bytes(700, 'y');
  send_all(begin("t1", bytes), bytes);
  acks.clear();
  auto again = begin("t2", bytes);
  rx().on_begin("n1", "t2", protocol::encode(again), now);
  BOOST_TEST(acks.size() == 1u);
  BOOST_TEST((last() == ack_status::complete));
  BOOST_TEST(metrics.files_stored.load() == 1u);
}

BOOST_AUTO_TEST_CASE(same_name_other_bytes_keeps_both) {
  std::string one(600, 'a');
  std::string two(600, 'b');
  send_all(begin("t1", one), one);
  send_all(begin("t2", two), two);
  BOOST_TEST((last() == ack_status::complete));
  BOOST_TEST(read_all(final_path()) == one);
  BOOST_TEST(read_all(storage_layout::alternate_path(final_path(), sha256_hex(two))) == two);
}

// Chunks in order are hashed as they come; out of order, the file is read
// back: either way a wrong sha256 is caught and a right one stored.
BOOST_AUTO_TEST_CASE(chunks_out_of_order_are_verified_from_the_file) {
  std::string bytes(2000, 'o');
  bytes[1500] = 'x';
  for (bool right : {false, true}) {
    auto m = begin(right ? "t2" : "t1", bytes);
    if (!right) m.sha256 = sha256_hex("other");
    rx().on_begin("n1", m.transfer_id, protocol::encode(m), now);
    for (std::uint32_t i : {1u, 0u, 3u, 2u}) {
      rx().on_chunk("n1", m.transfer_id, i, bytes.substr(i * 512, 512), now);
    }
    rx().on_end("n1", m.transfer_id, protocol::encode(protocol::upload_end{m.transfer_id, 4}), now);
    BOOST_TEST((last() == (right ? ack_status::complete : ack_status::rejected)));
  }
  BOOST_TEST(read_all(final_path()) == bytes);
  BOOST_TEST(metrics.transfers_rejected.get("bad_sha256") == 1u);
}

BOOST_AUTO_TEST_CASE(a_bad_hash_is_rejected_and_leaves_nothing) {
  std::string bytes(900, 'z');
  auto m = begin("t1", bytes);
  m.sha256 = sha256_hex("other");
  send_all(m, bytes);
  BOOST_TEST((last() == ack_status::rejected));
  BOOST_TEST(!std::filesystem::exists(final_path()));
  BOOST_TEST(std::filesystem::is_empty(final_path().parent_path()));
  BOOST_TEST(metrics.transfers_rejected.get("bad_sha256") == 1u);
}

// A master that just restarted can be sent a begin before the node's
// retained heartbeat; storing it under a stand-in folder would store the
// same lines again under the node's IP on the next pull.
BOOST_AUTO_TEST_CASE(a_node_whose_ip_is_not_known_yet_keeps_its_file) {
  ip.clear();
  std::string bytes(100, 'u');
  send_all(begin("t1", bytes), bytes);
  BOOST_TEST((acks.front().status == ack_status::rejected));
  BOOST_TEST(acks.front().reason == "the IP of node 'n1' is not known yet");
  BOOST_TEST(metrics.transfers_rejected.get("unknown_ip") == 1u);
  BOOST_TEST(test::stored_files(dir.path()).empty());
  ip = "10.0.0.1";
  send_all(begin("t2", bytes), bytes);
  BOOST_TEST((last() == ack_status::complete));
  BOOST_TEST(read_all(final_path()) == bytes);
}

BOOST_AUTO_TEST_CASE(limits_reject_with_a_reason) {
  std::string bytes(100, 'q');
  for (auto n : {"n1", "n2", "n3"}) {
    rx().on_begin(n, "t1", protocol::encode(begin("t1", bytes, 512, n)), now);
  }
  BOOST_TEST((last() == ack_status::rejected));
  BOOST_TEST(acks.back().reason.find("busy") != std::string::npos);
  BOOST_TEST(metrics.transfers_rejected.get("too_many_transfers") == 1u);
  BOOST_TEST(rx().active() == 2u);
  // Idle transfers are dropped, their partial files removed.
  rx().expire(now + config.transfer_idle_timeout);
  BOOST_TEST(rx().active() == 0u);
  BOOST_TEST(std::filesystem::is_empty(final_path().parent_path()));
  auto big = begin("t4", bytes);
  big.size = config.max_file_size + 1;
  big.chunk_count = static_cast<std::uint32_t>(protocol::chunk_count_for(big.size, 512));
  rx().on_begin("n1", "t4", protocol::encode(big), now);
  BOOST_TEST(acks.back().reason.find("max_file_size") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(another_masters_transfer_is_ignored) {
  std::string bytes(100, 'o');
  auto m = begin("t1", bytes);
  m.master_id = "m2";
  rx().on_begin("n1", "t1", protocol::encode(m), now);
  rx().on_chunk("n1", "t1", 0, bytes, now);
  BOOST_TEST(acks.empty());
  BOOST_TEST(metrics.rejected_messages.count("unknown_transfer") == 0u);
}

BOOST_AUTO_TEST_CASE(a_begin_for_another_node_is_refused) {
  std::string bytes(100, 'o');
  rx().on_begin("n2", "t1", protocol::encode(begin("t1", bytes)), now);
  BOOST_TEST((last() == ack_status::rejected));
  BOOST_TEST(metrics.rejected_messages.count("upload_id_mismatch") == 1u);
}

// The pull tracker decides whether a begin may start a transfer; a refusal
// is answered with its reason, stores nothing, and reaches the pull under
// the FILE name (under the transfer id the pull stayed open to its deadline).
BOOST_AUTO_TEST_CASE(a_refused_begin_stores_nothing_and_settles_the_file) {
  refuse = upload_refusal{"unrequested", "request 'r1' is no open pull of node 'n1'"};
  std::string bytes(1000, 'r');
  send_all(begin("t1", bytes), bytes);
  BOOST_TEST((acks.front().status == ack_status::rejected));
  BOOST_TEST(acks.front().reason == "request 'r1' is no open pull of node 'n1'");
  BOOST_TEST(metrics.transfers_rejected.get("unrequested") == 1u);
  BOOST_REQUIRE(outcomes.size() == 1u);
  BOOST_TEST(outcomes[0].file == "f.log");
  BOOST_TEST(test::stored_files(dir.path()).empty());
  BOOST_TEST(metrics.stored_file_hashes.load() == 0u);
}

// One transfer per node: its slot belongs to its pull, so 8 begins of one
// node hold one slot, not all of them.
BOOST_AUTO_TEST_CASE(a_node_runs_one_transfer_at_a_time) {
  std::string bytes(100, 'b');
  for (auto t : {"t1", "t2"}) rx().on_begin("n1", t, protocol::encode(begin(t, bytes)), now);
  BOOST_TEST(rx().active() == 1u);
  BOOST_TEST(acks.back().reason.find("transfer 't1' of this node") != std::string::npos);
  BOOST_TEST(metrics.transfers_rejected.get("node_busy") == 1u);
}

// A repeated begin or chunk is answered but is no progress: it cannot keep
// a stalled transfer's slot past transfer_idle_timeout.
BOOST_AUTO_TEST_CASE(repeats_do_not_refresh_the_idle_timer) {
  std::string bytes(1000, 'i');
  auto m = begin("t1", bytes);
  rx().on_begin("n1", "t1", protocol::encode(m), now);
  rx().on_chunk("n1", "t1", 0, bytes.substr(0, 512), now);
  auto later = now + config.transfer_idle_timeout - std::chrono::seconds(1);
  rx().on_begin("n1", "t1", protocol::encode(m), later);
  rx().on_chunk("n1", "t1", 0, bytes.substr(0, 512), later);
  rx().expire(now + config.transfer_idle_timeout);
  BOOST_TEST(rx().active() == 0u);
  BOOST_TEST(metrics.transfers_rejected.get("idle_timeout") == 1u);
}

BOOST_AUTO_TEST_CASE(a_transfer_ends_with_its_pull) {
  std::string bytes(1000, 'p');
  rx().on_begin("n1", "t1", protocol::encode(begin("t1", bytes)), now);
  pull_open = false;
  rx().expire(now);
  BOOST_TEST(rx().active() == 0u);
  BOOST_TEST((last() == ack_status::rejected));
  BOOST_TEST(metrics.transfers_rejected.get("pull_closed") == 1u);
}

BOOST_AUTO_TEST_CASE(chunks_larger_than_requested_are_refused) {
  std::string bytes(2000, 'c');
  auto m = begin("t1", bytes, config.chunk_size * 2);
  rx().on_begin("n1", "t1", protocol::encode(m), now);
  BOOST_TEST(acks.back().reason.find("is not the requested 512") != std::string::npos);
  rx().on_begin("n1", "t2", protocol::encode(begin("t2", bytes)), now);
  rx().on_oversized_chunk("n1", "t2", 4 << 20, now);
  BOOST_TEST(rx().active() == 0u);
  BOOST_TEST(metrics.transfers_rejected.get("oversized_chunk") == 1u);
}

// A begin's chunk_size is the request's: smaller chunks are refused too (they
// would spend the shared upload queue's message bound faster per byte).
BOOST_AUTO_TEST_CASE(a_chunk_size_other_than_the_requested_is_rejected_and_counted) {
  config.chunk_size = 1024;
  std::string bytes(2000, 'c');
  rx().on_begin("n1", "t1", protocol::encode(begin("t1", bytes, 512)), now);
  BOOST_TEST((last() == ack_status::rejected));
  BOOST_TEST(acks.back().reason == "chunk_size 512 is not the requested 1024");
  BOOST_TEST(metrics.transfers_rejected.get("bad_chunk_size") == 1u);
  BOOST_TEST(rx().active() == 0u);
  BOOST_TEST(admitted.empty());  // refused before the pull is asked
  send_all(begin("t2", bytes, 1024), bytes);
  BOOST_TEST((last() == ack_status::complete));
}

// A stored file's digest is remembered: begins naming it cost no re-read.
BOOST_AUTO_TEST_CASE(a_stored_file_is_hashed_at_most_once) {
  std::string bytes(5000, 'h');
  send_all(begin("t1", bytes), bytes);
  BOOST_TEST((last() == ack_status::complete));
  for (int i = 0; i < 20; ++i) {
    auto t = fmt::format("d{}", i);
    rx().on_begin("n1", t, protocol::encode(begin(t, bytes)), now);
    BOOST_TEST((last() == ack_status::complete));
  }
  BOOST_TEST(metrics.stored_file_hashes.load() == 0u);
  // A file from an earlier run is read once, then remembered.
  rx_.reset();
  for (auto t : {"e1", "e2", "e3"}) rx().on_begin("n1", t, protocol::encode(begin(t, bytes)), now);
  BOOST_TEST(metrics.stored_file_hashes.load() == 1u);
}

// Answers to messages of no running transfer are bounded per node: 30,000
// chunks of unknown transfers once overflowed Paho's outgoing buffer.
BOOST_AUTO_TEST_CASE(answers_to_unknown_transfers_are_bounded) {
  for (std::uint32_t i = 0; i < 1000; ++i) rx().on_chunk("n1", "nope", i, "x", now);
  BOOST_TEST(acks.size() == transfer_gate::k_answers);
  BOOST_TEST(metrics.rejected_messages.count("ack_budget_spent") == 1000u - transfer_gate::k_answers);
  rx().on_chunk("n2", "nope", 0, "x", now);  // another node's budget is its own
  BOOST_TEST(acks.size() == transfer_gate::k_answers + 1);
  rx().on_chunk("n1", "nope", 0, "x", now + transfer_gate::k_answer_interval);
  BOOST_TEST(acks.size() == transfer_gate::k_answers + 2);
}

// A running transfer's repeated begin or end could be sent in a loop: its
// answers come out of the same budget.
BOOST_AUTO_TEST_CASE(repeats_of_a_running_transfer_get_bounded_answers) {
  std::string bytes(1000, 'l');
  auto m = begin("t1", bytes);
  rx().on_begin("n1", "t1", protocol::encode(m), now);
  acks.clear();
  auto end = protocol::encode(protocol::upload_end{"t1", 2});
  for (int i = 0; i < 500; ++i) {
    rx().on_begin("n1", "t1", protocol::encode(m), now);
    rx().on_end("n1", "t1", end, now);
  }
  BOOST_TEST(acks.size() <= transfer_gate::k_answers + 1);
  BOOST_TEST(rx().active() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
