// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "core/protocol/identifiers.hpp"
#include "core/protocol/topics.hpp"

using namespace peranda::protocol;

BOOST_AUTO_TEST_SUITE(topics)

BOOST_AUTO_TEST_CASE(builds_every_topic_under_the_root) {
  topic_scheme t("acme/peranda/v1");
  BOOST_TEST(t.heartbeat("n1") == "acme/peranda/v1/nodes/n1/heartbeat");
  BOOST_TEST(t.alarm("n1") == "acme/peranda/v1/nodes/n1/alarm");
  BOOST_TEST(t.logs_request("n1") == "acme/peranda/v1/nodes/n1/logs/request");
  BOOST_TEST(t.logs_reply("n1") == "acme/peranda/v1/nodes/n1/logs/reply");
  BOOST_TEST(t.logs_ack("n1") == "acme/peranda/v1/nodes/n1/logs/ack");
  BOOST_TEST(t.alarm_ack("n1") == "acme/peranda/v1/nodes/n1/alarm/ack");
  BOOST_TEST(t.upload_begin("n1", "t1") == "acme/peranda/v1/nodes/n1/logs/upload/t1/begin");
  BOOST_TEST(t.upload_chunk("n1", "t1", 17) == "acme/peranda/v1/nodes/n1/logs/upload/t1/17");
  BOOST_TEST(t.upload_end("n1", "t1") == "acme/peranda/v1/nodes/n1/logs/upload/t1/end");
  BOOST_TEST(t.master_status("m1") == "acme/peranda/v1/masters/m1/status");
  BOOST_TEST(t.all_nodes("alarm") == "acme/peranda/v1/nodes/+/alarm");
  BOOST_TEST(t.all_uploads() == "acme/peranda/v1/nodes/+/logs/upload/#");
}

BOOST_AUTO_TEST_CASE(parses_what_it_builds) {
  topic_scheme t;
  auto chunk = t.parse(t.upload_chunk("web-01", "tx_9", 12345)).value();
  BOOST_TEST((chunk.kind == topic_kind::upload_chunk));
  BOOST_TEST(chunk.owner == "web-01");
  BOOST_TEST(chunk.transfer == "tx_9");
  BOOST_TEST(chunk.index == 12345u);
  BOOST_TEST((t.parse(t.upload_begin("a", "b")).value().kind == topic_kind::upload_begin));
  BOOST_TEST((t.parse(t.upload_end("a", "b")).value().kind == topic_kind::upload_end));
  BOOST_TEST((t.parse(t.heartbeat("a")).value().kind == topic_kind::heartbeat));
  BOOST_TEST((t.parse(t.alarm("a")).value().kind == topic_kind::alarm));
  BOOST_TEST((t.parse(t.logs_request("a")).value().kind == topic_kind::logs_request));
  BOOST_TEST((t.parse(t.logs_reply("a")).value().kind == topic_kind::logs_reply));
  BOOST_TEST((t.parse(t.logs_ack("a")).value().kind == topic_kind::logs_ack));
  BOOST_TEST((t.parse(t.alarm_ack("a")).value().kind == topic_kind::alarm_ack));
  auto status = t.parse(t.master_status("m-1")).value();
  BOOST_TEST((status.kind == topic_kind::master_status));
  BOOST_TEST(status.owner == "m-1");
}

BOOST_AUTO_TEST_CASE(refuses_hostile_and_malformed_topics) {
  topic_scheme t;
  for (const char* bad : {
           "peranda/v1/nodes/+/heartbeat", "peranda/v1/nodes/#/heartbeat",
           "peranda/v1/nodes/../heartbeat", "peranda/v1/nodes/a..b/heartbeat",
           "peranda/v1/nodes//heartbeat", "peranda/v1/nodes/.hidden/heartbeat",
           "peranda/v1/nodes/n1/heartbeat/extra", "peranda/v1/nodes/n1/unknown",
           "peranda/v1/nodes/n1", "peranda/v2/nodes/n1/heartbeat", "peranda/v1",
           "peranda/v1/", "other/nodes/n1/heartbeat", "peranda/v1/masters/m1/other",
           "peranda/v1/nodes/n1/logs/upload/t1/007", "peranda/v1/nodes/n1/logs/upload/t1/-1",
           "peranda/v1/nodes/n1/logs/upload/t1/16777216", "peranda/v1/nodes/n1/logs/upload/t1/1x",
           "peranda/v1/nodes/n1/logs/upload/t.1/0", "peranda/v1/nodes/n1/logs/upload/t1",
           "peranda/v1/nodes/n1/logs/upload//0", "peranda/v1x/nodes/n1/heartbeat",
           "peranda/v1/nodes/n1/alarm/nack", "peranda/v1/nodes/n1/alarm/ack/x",
       }) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!t.parse(bad).has_value()); }
  }
  BOOST_TEST(t.parse("peranda/v1/nodes/a+b/alarm").error().message ==
             "topic 'peranda/v1/nodes/a+b/alarm': node id 'a+b' may only contain letters, "
             "digits, '.', '_' and '-'");
}

BOOST_AUTO_TEST_CASE(roots_are_validated) {
  BOOST_TEST(topic_scheme::validate_root("peranda/v1").has_value());
  for (const char* bad : {"", "a/+", "a/#", "$SYS/x", "a//b", "/a", "a/"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!topic_scheme::validate_root(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(node_ids) {
  BOOST_TEST(validate_node_id(std::string(64, 'x')).has_value());
  for (const char* good : {"a", "web-01", "db.eu_2", "A9"}) {
    BOOST_TEST_CONTEXT(good) { BOOST_TEST(validate_node_id(good).has_value()); }
  }
  for (const char* bad : {"", "-a", ".a", "_a", "a/b", "a+b", "a#", "a..b", "..", "a b", "é"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!validate_node_id(bad).has_value()); }
  }
  BOOST_TEST(!validate_node_id(std::string(65, 'x')).has_value());
  BOOST_TEST(validate_node_id("../x").error().message ==
             "node id '../x' must start with a letter or digit");
  BOOST_TEST(node_id_from_hostname("web01.example.com") == "web01.example.com");
  BOOST_TEST(node_id_from_hostname("..weird host!") == "weird-host-");
  BOOST_TEST(node_id_from_hostname("") == "node");
  BOOST_TEST(validate_node_id(node_id_from_hostname("a..b")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
