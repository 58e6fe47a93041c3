// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_limiter.hpp"

#include <boost/test/unit_test.hpp>

#include "core/protocol/messages/alarm_ack.hpp"
#include "master-service/alarms/alarm_size.hpp"
#include "master-service/alarms/token_bucket.hpp"

using namespace peranda;
using namespace peranda::master;
using namespace std::chrono_literals;

namespace {

const auto t0 = std::chrono::steady_clock::time_point{} + 1h;

}  // namespace

BOOST_AUTO_TEST_SUITE(master_alarm_limiter)

BOOST_AUTO_TEST_CASE(a_bucket_allows_its_burst_then_its_rate) {
  token_bucket b(10, 5, t0);  // 10 per second, 5 at once
  for (int i = 0; i < 5; ++i) BOOST_TEST(b.take(t0));
  BOOST_TEST(!b.take(t0));
  BOOST_TEST(b.until_full(t0) == 500ms);
  BOOST_TEST(!b.take(t0 + 99ms));
  BOOST_TEST(b.take(t0 + 100ms));  // one token per 100 ms
  BOOST_TEST(!b.take(t0 + 150ms));
  BOOST_TEST(!b.full(t0 + 500ms));
  BOOST_TEST(b.full(t0 + 10s));  // refills to the burst, not beyond
  for (int i = 0; i < 5; ++i) BOOST_TEST(b.take(t0 + 10s));
  BOOST_TEST(!b.take(t0 + 10s));
  BOOST_TEST(!b.take(t0 + 5s));  // a clock stepping back grants nothing
}

BOOST_AUTO_TEST_CASE(one_node_over_its_rate_leaves_the_others_alone) {
  alarm_limiter limits(1, 3);
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += limits.admit("node-a", "a" + std::to_string(i), t0);
  BOOST_TEST(admitted == 3);
  BOOST_TEST(limits.admit("node-b", "b0", t0));

  // One refusal per node and call, listing at most one ack's worth of ids.
  auto refusals = limits.take_refusals(t0);
  BOOST_REQUIRE_EQUAL(refusals.size(), 1u);
  BOOST_TEST(refusals[0].node == "node-a");
  BOOST_TEST(refusals[0].ids.size() == protocol::alarm_ack::k_max_ids);
  BOOST_TEST(refusals[0].ids.front() == "a3");
  BOOST_TEST(refusals[0].retry_after == 3000ms);  // until the bucket is full
  BOOST_TEST(refusals[0].total == 997u);
  BOOST_TEST(limits.take_refusals(t0).empty());

  BOOST_TEST(limits.take_unlogged().at("node-a") == 997u);
  BOOST_TEST(limits.take_unlogged().empty());
  // Refilled at the rate.
  BOOST_TEST(limits.admit("node-a", "later", t0 + 1s));
  BOOST_TEST(!limits.admit("node-a", "later2", t0 + 1s));
  auto again = limits.take_refusals(t0 + 1s);
  BOOST_REQUIRE_EQUAL(again.size(), 1u);
  BOOST_TEST(again[0].ids == std::vector<std::string>{"later2"});
  BOOST_TEST(again[0].retry_after == 3000ms);
  BOOST_TEST(again[0].total == 998u);  // since the start
}

BOOST_AUTO_TEST_CASE(an_oversized_alarm_is_cut_to_the_limit_and_says_so) {
  protocol::alarm a;
  a.id = "x";
  a.node = "n";
  a.rule = "r";
  a.source = "s";
  a.line = std::string(4000, '\x01');                 // six bytes of JSON each
  for (int i = 0; i < 10; ++i) a.line += "\xc3\xa9";  // é: never cut in half
  auto original = a.line.size();
  BOOST_TEST(fit_alarm(a, 2048));
  BOOST_TEST(protocol::encode(a).size() + 32 <= 2048u);
  BOOST_TEST(a.line.ends_with(" [cut: " + std::to_string(original) + " bytes]"));
  BOOST_TEST(protocol::decode_alarm(protocol::encode(a)).has_value());

  protocol::alarm small = a;
  small.line = "fine";
  BOOST_TEST(!fit_alarm(small, 2048));
  BOOST_TEST(small.line == "fine");

  a.line = std::string(3000, 'x') + "\xc3\xa9";
  BOOST_TEST(fit_alarm(a, 1024));
  auto cut = a.line.substr(0, a.line.find(" [cut:"));
  BOOST_TEST(cut.find_first_not_of('x') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
