// SPDX-License-Identifier: Apache-2.0
#include "node-agent/upload/request_queue.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::agent;

namespace {

constexpr std::uint64_t k_now = 1'800'000'000'000;

protocol::logs_request request_of(const std::string& master, std::uint64_t deadline_ms = 0) {
  protocol::logs_request r;
  r.request_id = "r-" + master;
  r.master_id = master;
  r.deadline_ms = deadline_ms;
  return r;
}

admission offer(request_queue& q, protocol::logs_request r, const master_facts& facts = {},
                std::optional<std::string> serving = std::nullopt) {
  return q.offer(r, k_now, facts, serving);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_queue_suite)

BOOST_AUTO_TEST_CASE(an_idle_uploader_serves_at_once_and_a_busy_one_queues_in_order) {
  request_queue q(2);
  BOOST_TEST((offer(q, request_of("m1")) == admission::serve));
  BOOST_TEST((offer(q, request_of("m2"), {}, "m1") == admission::wait));
  BOOST_TEST((offer(q, request_of("m3"), {}, "m1") == admission::wait));
  BOOST_TEST((offer(q, request_of("m4"), {}, "m1") == admission::busy_full));
  BOOST_TEST(q.waiting() == 2u);
  std::vector<protocol::logs_request> expired;
  BOOST_TEST(q.next(k_now, expired)->master_id == "m2");
  BOOST_TEST(q.next(k_now, expired)->master_id == "m3");
  BOOST_TEST(!q.next(k_now, expired));
  BOOST_TEST(expired.empty());
}

BOOST_AUTO_TEST_CASE(one_request_per_master_served_or_waiting) {
  request_queue q(4);
  BOOST_TEST((offer(q, request_of("m1"), {}, "m1") == admission::busy_same_master));
  BOOST_TEST((offer(q, request_of("m2"), {}, "m1") == admission::wait));
  BOOST_TEST((offer(q, request_of("m2"), {}, "m1") == admission::busy_same_master));
  BOOST_TEST(q.waiting() == 1u);
}

BOOST_AUTO_TEST_CASE(expired_gone_and_foreign_masters_are_answered_before_queueing) {
  request_queue q(4);
  BOOST_TEST((offer(q, request_of("m1", k_now - 1)) == admission::expired));
  BOOST_TEST((offer(q, request_of("m1", k_now)) == admission::serve));
  BOOST_TEST((offer(q, request_of("m1"), {true, std::nullopt}) == admission::ignore));
  BOOST_TEST((offer(q, request_of("m1"), {false, std::string("m2")}) == admission::not_owner));
  // Expiry first: a late request of a gone master is still answered.
  BOOST_TEST((offer(q, request_of("m1", 1), {true, std::string("m2")}) == admission::expired));
  BOOST_TEST(q.waiting() == 0u);
}

// A request whose pull closed while it waited is not served: its master
// would refuse every upload of it.
BOOST_AUTO_TEST_CASE(a_request_that_expires_while_waiting_is_handed_back_expired) {
  request_queue q(4);
  BOOST_TEST((offer(q, request_of("m2", k_now + 1'000), {}, "m1") == admission::wait));
  BOOST_TEST((offer(q, request_of("m3", k_now + 60'000), {}, "m1") == admission::wait));
  BOOST_TEST((offer(q, request_of("m4"), {}, "m1") == admission::wait));
  std::vector<protocol::logs_request> expired;
  auto next = q.next(k_now + 2'000, expired);
  BOOST_REQUIRE(next);
  BOOST_TEST(next->master_id == "m3");
  BOOST_REQUIRE(expired.size() == 1u);
  BOOST_TEST(expired[0].master_id == "m2");
  // No deadline never expires.
  BOOST_TEST(q.next(k_now + 10'000'000, expired)->master_id == "m4");
}

BOOST_AUTO_TEST_SUITE_END()
