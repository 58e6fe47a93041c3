// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/alarm_ack.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::protocol;

BOOST_AUTO_TEST_SUITE(alarm_ack_refusals)

BOOST_AUTO_TEST_CASE(a_refusal_round_trips_and_needs_its_retry_after) {
  alarm_ack refusal{"master-1", {}, {"a1", "a2"}, 5000};
  auto text = encode(refusal);
  BOOST_TEST(text.find("\"retry_after_ms\":5000") != std::string::npos);
  auto back = decode_alarm_ack(text);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back == refusal));

  // A plain confirmation carries neither field.
  alarm_ack confirmation{"master-1", {"a1"}, {}, 0};
  BOOST_TEST(encode(confirmation).find("refused") == std::string::npos);

  BOOST_TEST(!decode_alarm_ack(R"({"v":1,"master_id":"m","ids":[],"refused":["a"]})"));
  BOOST_TEST(!decode_alarm_ack(R"({"v":1,"master_id":"m","ids":[]})"));
  BOOST_TEST(!decode_alarm_ack(
      R"({"v":1,"master_id":"m","ids":[],"refused":["a"],"retry_after_ms":99999999})"));
  BOOST_TEST(!decode_alarm_ack(
      R"({"v":1,"master_id":"m","ids":[],"refused":["a b"],"retry_after_ms":1})"));
  // Unknown fields are ignored, so a newer master's fields never break us.
  BOOST_TEST(decode_alarm_ack(R"({"v":1,"master_id":"m","ids":["a"],"future":1})").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
