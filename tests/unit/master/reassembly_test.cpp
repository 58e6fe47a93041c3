// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/reassembly.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <random>

using namespace peranda;
using namespace peranda::master;
using protocol::ack_status;

namespace {

protocol::upload_begin manifest(std::uint64_t size, std::uint32_t chunk) {
  protocol::upload_begin m;
  m.transfer_id = "t1";
  m.request_id = "r1";
  m.master_id = "m1";
  m.node = "n1";
  m.file = "f.log";
  m.size = size;
  m.sha256 = std::string(64, 'a');
  m.chunk_size = chunk;
  m.chunk_count = static_cast<std::uint32_t>(protocol::chunk_count_for(size, chunk));
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(master_reassembly)

BOOST_AUTO_TEST_CASE(chunks_are_checked_against_the_manifest) {
  reassembly r(manifest(2500, 1000), "m1", 8);
  BOOST_TEST(r.offset_of(0, 1000).value() == 0u);
  BOOST_TEST(r.offset_of(2, 500).value() == 2000u);
  BOOST_TEST(!r.offset_of(2, 1000));  // the last chunk is shorter
  BOOST_TEST(!r.offset_of(1, 1001));  // larger than announced
  BOOST_TEST(!r.offset_of(3, 1));     // past the count
}

BOOST_AUTO_TEST_CASE(a_go_back_round_of_held_chunks_is_answered_once) {
  // The agent's window is full and the ack that moved it was lost: it
  // resends from its `next`, chunks the master holds. The first of the round
  // gets the current progress; the rest of the round nothing.
  reassembly r(manifest(10 * 512, 512), "m1", 4);
  for (std::uint32_t i = 0; i < 4; ++i) (void)r.record(i);
  auto first = r.duplicate(0);
  BOOST_REQUIRE(first);
  BOOST_TEST(first->next == 4u);
  BOOST_TEST(!r.duplicate(1));
  BOOST_TEST(!r.duplicate(2));
  BOOST_TEST(!r.duplicate(3));
  // The next round (that answer was lost too) is answered again.
  BOOST_TEST(r.duplicate(0).has_value());
}

BOOST_AUTO_TEST_CASE(shuffled_and_duplicated_chunks_complete_once) {
  const std::uint32_t n = 100;
  reassembly r(manifest(n * 512, 512), "m1", 8);
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < n; ++i) order.insert(order.end(), {i, i});
  std::mt19937 rng(1);
  std::ranges::shuffle(order, rng);
  int acks = 0;
  for (auto i : order) {
    if (r.has(i)) {
      BOOST_TEST(!r.record(i));  // a duplicate changes nothing
      continue;
    }
    if (r.record(i)) ++acks;
  }
  BOOST_TEST(r.all_received());
  BOOST_TEST(r.chunks_received() == n);
  BOOST_TEST(r.bytes_received() == n * 512u);
  BOOST_TEST(!r.on_end());  // ready to verify
  BOOST_TEST(acks > 0);
  BOOST_TEST(r.complete().sha256 == std::string(64, 'a'));
}

BOOST_AUTO_TEST_CASE(a_sliding_window_agent_is_never_left_waiting) {
  // An agent that sends everything its window allows, in any order, and
  // then waits for an ack must always get one that moves the window.
  for (std::uint32_t window : {1u, 2u, 5u, 8u, 64u}) {
    const std::uint32_t n = 300;
    reassembly r(manifest(n * 512, 512), "m1", window);
    std::mt19937 rng(window);
    std::uint32_t acked = 0;
    std::uint32_t sent = 0;
    while (!r.all_received()) {
      std::vector<std::uint32_t> order;
      for (; sent < std::min(n, acked + window); ++sent) order.push_back(sent);
      std::ranges::shuffle(order, rng);
      std::optional<protocol::logs_ack> last;
      for (auto i : order) {
        if (auto ack = r.record(i)) last = ack;
      }
      BOOST_REQUIRE(last);
      BOOST_REQUIRE(last->next > acked);
      acked = last->next;
    }
    BOOST_TEST(acked == n);
  }
}

BOOST_AUTO_TEST_CASE(progress_reports_next_window_and_holes) {
  reassembly r(manifest(10 * 512, 512), "m1", 4);
  r.record(0);
  auto ack = r.record(1);  // window/2 = 2 new chunks
  BOOST_REQUIRE(ack);
  BOOST_TEST((ack->status == ack_status::progress));
  BOOST_TEST(ack->next == 2u);
  BOOST_TEST(ack->window == 4u);
  BOOST_TEST(ack->master_id == "m1");
  ack = r.record(4);  // opens the hole 2..3
  BOOST_REQUIRE(ack);
  BOOST_TEST(ack->next == 2u);
  BOOST_TEST(ack->missing == (std::vector<std::uint32_t>{2, 3}));
  BOOST_TEST(!r.record(3));  // fills a hole: no new one, only 1 new chunk
  ack = r.record(6);
  BOOST_REQUIRE(ack);
  BOOST_TEST(ack->missing == (std::vector<std::uint32_t>{2, 5}));
}

BOOST_AUTO_TEST_CASE(end_with_holes_answers_missing) {
  reassembly r(manifest(5 * 512, 512), "m1", 8);
  for (auto i : {0u, 2u, 4u}) r.record(i);
  auto ack = r.on_end();
  BOOST_REQUIRE(ack);
  BOOST_TEST((ack->status == ack_status::missing));
  BOOST_TEST(ack->missing == (std::vector<std::uint32_t>{1, 3}));
  r.record(1);
  auto last = r.record(3);
  BOOST_REQUIRE(last);  // the last chunk always gets an ack
  BOOST_TEST(last->next == 5u);
  BOOST_TEST(!r.on_end());
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_complete_at_end) {
  reassembly r(manifest(0, 512), "m1", 8);
  BOOST_TEST(r.all_received());
  BOOST_TEST(!r.on_end());
  BOOST_TEST(!r.offset_of(0, 0));
}

BOOST_AUTO_TEST_SUITE_END()
