// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/topic_filter.hpp"

#include <boost/test/unit_test.hpp>

using peranda::mqtt_session::topic_matches;

BOOST_AUTO_TEST_SUITE(topic_filter)

BOOST_AUTO_TEST_CASE(a_filter_without_wildcards_matches_only_its_own_topic) {
  BOOST_TEST(topic_matches("a/b/c", "a/b/c"));
  BOOST_TEST(!topic_matches("a/b/c", "a/b"));
  BOOST_TEST(!topic_matches("a/b", "a/b/c"));
  BOOST_TEST(!topic_matches("a/b/c", "a/b/C"));  // case matters
  BOOST_TEST(!topic_matches("a/b", "a/bc"));
  BOOST_TEST(!topic_matches("a/b", "a/b/"));  // a trailing '/' is one more, empty, level
}

BOOST_AUTO_TEST_CASE(plus_is_exactly_one_level_and_may_be_empty) {
  BOOST_TEST(topic_matches("p/nodes/+/alarm", "p/nodes/n1/alarm"));
  BOOST_TEST(!topic_matches("p/nodes/+/alarm", "p/nodes/n1/x/alarm"));
  BOOST_TEST(!topic_matches("p/nodes/+/alarm", "p/nodes/alarm"));
  BOOST_TEST(topic_matches("p/nodes/+/alarm", "p/nodes//alarm"));
  BOOST_TEST(topic_matches("a/+", "a/"));
  BOOST_TEST(!topic_matches("a/+", "a"));
  BOOST_TEST(topic_matches("+", "a"));
  BOOST_TEST(!topic_matches("+", "a/b"));
  BOOST_TEST(!topic_matches("+", "/a"));
  BOOST_TEST(topic_matches("+/+", "/a"));
  BOOST_TEST(topic_matches("+/+", "/"));
  BOOST_TEST(topic_matches("/+", "/a"));
  BOOST_TEST(topic_matches("+/b/+", "a/b/c"));
}

BOOST_AUTO_TEST_CASE(hash_matches_its_parent_and_everything_below) {
  BOOST_TEST(topic_matches("p/nodes/+/logs/upload/#", "p/nodes/n1/logs/upload/t1/17"));
  BOOST_TEST(topic_matches("p/nodes/+/logs/upload/#", "p/nodes/n1/logs/upload/t1/begin"));
  BOOST_TEST(topic_matches("p/nodes/+/logs/upload/#", "p/nodes/n1/logs/upload"));
  BOOST_TEST(topic_matches("p/nodes/+/logs/upload/#", "p/nodes/n1/logs/upload/"));
  BOOST_TEST(!topic_matches("p/nodes/+/logs/upload/#", "p/nodes/n1/logs/reply"));
  BOOST_TEST(!topic_matches("p/nodes/+/logs/upload/#", "p/nodes/n1/logs"));
  BOOST_TEST(topic_matches("#", "a"));
  BOOST_TEST(topic_matches("#", "a/b/c"));
  BOOST_TEST(topic_matches("#", "/"));
  BOOST_TEST(!topic_matches("a/#", "ab"));
}

BOOST_AUTO_TEST_CASE(wildcards_at_the_start_never_match_dollar_topics) {
  BOOST_TEST(!topic_matches("#", "$SYS/broker/uptime"));
  BOOST_TEST(!topic_matches("+/broker/uptime", "$SYS/broker/uptime"));
  BOOST_TEST(!topic_matches("#", "$x"));
  BOOST_TEST(topic_matches("$SYS/#", "$SYS/broker/uptime"));
  BOOST_TEST(topic_matches("$SYS/+/uptime", "$SYS/broker/uptime"));
  // '$' has no meaning past the first level.
  BOOST_TEST(topic_matches("a/+", "a/$b"));
  BOOST_TEST(topic_matches("a/#", "a/$b/c"));
}

BOOST_AUTO_TEST_SUITE_END()
