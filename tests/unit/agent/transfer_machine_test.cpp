// SPDX-License-Identifier: Apache-2.0
#include "node-agent/upload/transfer_machine.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::agent;
using namespace std::chrono_literals;
using kind = transfer_action::kind;

namespace {

const transfer_machine::clock::time_point t0{};
const std::string k_sha(64, 'a');
const transfer_identity k_identity{"t1", "m1", k_sha};

protocol::logs_ack ack(protocol::ack_status status, std::uint32_t next = 0,
                       std::vector<std::uint32_t> missing = {}, std::uint32_t window = 0) {
  protocol::logs_ack a;
  a.transfer_id = "t1";
  a.master_id = "m1";
  a.status = status;
  a.next = next;
  a.window = window;
  a.missing = std::move(missing);
  if (status == protocol::ack_status::complete) a.sha256 = k_sha;
  return a;
}

std::vector<std::uint32_t> chunks(const std::vector<transfer_action>& actions) {
  std::vector<std::uint32_t> out;
  for (const auto& a : actions) {
    if (a.what == kind::chunk) out.push_back(a.index);
  }
  return out;
}

bool has_end(const std::vector<transfer_action>& actions) {
  return !actions.empty() && actions.back().what == kind::end;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_transfer)

BOOST_AUTO_TEST_CASE(never_more_than_window_unacknowledged) {
  transfer_machine m(k_identity, 10, 3, 5s, 3);
  auto start = m.start(t0);
  BOOST_TEST((start.front() == transfer_action{kind::begin}));
  BOOST_TEST((chunks(start) == std::vector<std::uint32_t>{0, 1, 2}));
  auto a = m.on_ack(ack(protocol::ack_status::progress, 2), t0 + 1s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{3, 4}));
  // A larger window from the master takes effect.
  a = m.on_ack(ack(protocol::ack_status::progress, 5, {}, 5), t0 + 2s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{5, 6, 7, 8, 9}));
  BOOST_TEST(has_end(a));
  BOOST_TEST(m.on_ack(ack(protocol::ack_status::progress, 10), t0 + 3s).empty());
  BOOST_TEST((m.state() == transfer_state::running));
  m.on_ack(ack(protocol::ack_status::complete), t0 + 4s);
  BOOST_TEST((m.state() == transfer_state::complete));
}

BOOST_AUTO_TEST_CASE(missing_chunks_are_resent_then_end_again) {
  transfer_machine m(k_identity, 4, 8, 5s, 3);
  auto start = m.start(t0);
  BOOST_TEST((chunks(start) == std::vector<std::uint32_t>{0, 1, 2, 3}));
  BOOST_TEST(has_end(start));
  auto a = m.on_ack(ack(protocol::ack_status::missing, 0, {1, 3, 99}), t0 + 1s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{1, 3}));
  BOOST_TEST(has_end(a));
  BOOST_TEST(m.resent() == 2u);
}

BOOST_AUTO_TEST_CASE(progress_with_holes_resends_them) {
  transfer_machine m(k_identity, 20, 6, 5s, 3);
  m.start(t0);
  auto a = m.on_ack(ack(protocol::ack_status::progress, 2, {4}), t0 + 1s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{4, 6, 7}));
  // Already stored (below next) or never sent: not resent.
  a = m.on_ack(ack(protocol::ack_status::progress, 5, {1, 15}), t0 + 2s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{8, 9, 10}));
}

BOOST_AUTO_TEST_CASE(ack_timeout_goes_back_to_next_then_fails) {
  transfer_machine m(k_identity, 6, 4, 5s, 2);
  m.start(t0);
  BOOST_TEST(m.on_tick(t0 + 4s).empty());
  // No ack ever: begin again, then every outstanding chunk.
  auto a = m.on_tick(t0 + 5s);
  BOOST_TEST((a.front() == transfer_action{kind::begin}));
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{0, 1, 2, 3}));
  a = m.on_ack(ack(protocol::ack_status::progress, 2), t0 + 6s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{4, 5}));
  BOOST_TEST(has_end(a));
  a = m.on_tick(t0 + 11s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{2, 3, 4, 5}));
  BOOST_TEST(has_end(a));
  BOOST_TEST(!m.on_tick(t0 + 16s).empty());
  BOOST_TEST((m.state() == transfer_state::running));
  BOOST_TEST(m.on_tick(t0 + 21s).empty());
  BOOST_TEST((m.state() == transfer_state::failed));
}

BOOST_AUTO_TEST_CASE(rejected_keeps_the_reason_and_stops) {
  transfer_machine m(k_identity, 3, 2, 5s, 3);
  m.start(t0);
  auto r = ack(protocol::ack_status::rejected);
  r.reason = "disk full";
  m.on_ack(r, t0 + 1s);
  BOOST_TEST((m.state() == transfer_state::rejected));
  BOOST_TEST(m.reason() == "disk full");
  BOOST_TEST(m.on_tick(t0 + 1h).empty());
  BOOST_TEST(m.on_ack(ack(protocol::ack_status::progress, 1), t0 + 1h).empty());
}

BOOST_AUTO_TEST_CASE(giving_up_fails_the_transfer_and_stops_it) {
  transfer_machine m(k_identity, 6, 4, 5s, 3);
  m.start(t0);
  m.give_up("cannot read chunk 2");
  BOOST_TEST((m.state() == transfer_state::failed));
  BOOST_TEST(m.reason() == "cannot read chunk 2");
  BOOST_TEST(m.on_ack(ack(protocol::ack_status::progress, 1, {2}), t0 + 1s).empty());
  BOOST_TEST(m.on_tick(t0 + 1h).empty());
}

BOOST_AUTO_TEST_CASE(empty_file_is_begin_and_end) {
  transfer_machine m(k_identity, 0, 8, 5s, 3);
  auto a = m.start(t0);
  BOOST_REQUIRE_EQUAL(a.size(), 2u);
  BOOST_TEST((a[0] == transfer_action{kind::begin}));
  BOOST_TEST((a[1] == transfer_action{kind::end}));
}

BOOST_AUTO_TEST_CASE(a_master_cannot_ack_what_was_never_sent) {
  transfer_machine m(k_identity, 10, 2, 5s, 3);
  m.start(t0);
  auto a = m.on_ack(ack(protocol::ack_status::progress, 9), t0 + 1s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{2, 3}));
}

// Only the master whose request is served may end the transfer, and a
// `complete` must carry the digest the agent announced: anything else would
// let a rogue master delete a spool file nobody stored.
BOOST_AUTO_TEST_CASE(a_complete_counts_only_from_the_serving_master_with_the_sha256_sent) {
  transfer_machine m(k_identity, 4, 8, 5s, 3);
  m.start(t0);
  auto other_master = ack(protocol::ack_status::complete);
  other_master.master_id = "m2";
  auto wrong_sha = ack(protocol::ack_status::complete);
  wrong_sha.sha256 = std::string(64, 'b');
  auto no_sha = ack(protocol::ack_status::complete);
  no_sha.sha256.clear();
  auto other_transfer = ack(protocol::ack_status::complete);
  other_transfer.transfer_id = "t0";
  BOOST_TEST((m.check(other_master) == ack_verdict::other_master));
  BOOST_TEST((m.check(wrong_sha) == ack_verdict::wrong_sha256));
  BOOST_TEST((m.check(no_sha) == ack_verdict::wrong_sha256));
  BOOST_TEST((m.check(other_transfer) == ack_verdict::other_transfer));
  for (const auto& a : {other_master, wrong_sha, no_sha, other_transfer}) {
    BOOST_TEST(m.on_ack(a, t0 + 1s).empty());
    BOOST_TEST((m.state() == transfer_state::running));
  }
  BOOST_TEST((m.check(ack(protocol::ack_status::complete)) == ack_verdict::accepted));
  m.on_ack(ack(protocol::ack_status::complete), t0 + 2s);
  BOOST_TEST((m.state() == transfer_state::complete));
}

// The digest is checked on `complete` only: progress carries none.
BOOST_AUTO_TEST_CASE(progress_needs_no_sha256_but_the_serving_master) {
  transfer_machine m(k_identity, 10, 2, 5s, 3);
  m.start(t0);
  auto foreign = ack(protocol::ack_status::progress, 2);
  foreign.master_id = "m2";
  BOOST_TEST(m.on_ack(foreign, t0 + 1s).empty());
  BOOST_TEST(m.acked() == 0u);
  auto a = m.on_ack(ack(protocol::ack_status::progress, 2), t0 + 1s);
  BOOST_TEST((chunks(a) == std::vector<std::uint32_t>{2, 3}));
  auto rejected = ack(protocol::ack_status::rejected);
  rejected.master_id = "m2";
  m.on_ack(rejected, t0 + 2s);
  BOOST_TEST((m.state() == transfer_state::running));
}

// A stream of refused acks must not keep a dead transfer alive: the ack
// timeout runs on as if they never came.
BOOST_AUTO_TEST_CASE(refused_acks_do_not_reset_the_ack_timeout) {
  transfer_machine m(k_identity, 6, 4, 5s, 1);
  m.start(t0);
  auto wrong_sha = ack(protocol::ack_status::complete);
  wrong_sha.sha256 = std::string(64, 'b');
  m.on_ack(wrong_sha, t0 + 4s);
  auto a = m.on_tick(t0 + 5s);
  BOOST_TEST((a.front() == transfer_action{kind::begin}));  // still nothing ever acked
  m.on_ack(wrong_sha, t0 + 9s);
  BOOST_TEST(m.on_tick(t0 + 10s).empty());
  BOOST_TEST((m.state() == transfer_state::failed));
}

BOOST_AUTO_TEST_SUITE_END()
