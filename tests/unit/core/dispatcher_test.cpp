// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/dispatcher.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace peranda;
using mqtt_session::dispatcher;
using mqtt_session::message;
using mqtt_session::received;

namespace {

struct rejection {
  std::string reason;
  std::string detail;
};

// A dispatcher with the default topic root that records what it refuses.
struct rig {
  protocol::topic_scheme topics;
  std::vector<rejection> rejected;
  dispatcher inbound;

  explicit rig(std::size_t capacity = 16)
      : inbound(topics, capacity, [this](std::string_view reason, const std::string& detail) {
          rejected.push_back({std::string(reason), detail});
        }) {}

  // Hands `msg` to `sink` as Paho's thread would.
  static void deliver(const mqtt_session::session::sink& sink, message msg) { sink(msg); }

  // Runs the handlers of everything queued so far (each turn of run() pops
  // at most one message), then returns.
  void drain(std::size_t queued) {
    std::stop_source stop;
    std::size_t turns = 0;
    inbound.run(stop.get_token(), std::chrono::milliseconds(0), [&] {
      if (++turns >= queued) stop.request_stop();
    });
  }
};

message msg(std::string topic, std::string payload = "{}", bool retained = false) {
  return {std::move(topic), std::move(payload), 1, retained};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dispatcher_delivery)

BOOST_AUTO_TEST_CASE(each_message_reaches_the_handler_of_its_subscription_with_its_topic_parsed) {
  rig r;
  std::vector<received> alarms;
  std::vector<received> chunks;
  auto to_alarms = r.inbound.to([&](const received& m) { alarms.push_back(m); });
  auto to_chunks = r.inbound.to([&](const received& m) { chunks.push_back(m); });
  rig::deliver(to_alarms, msg(r.topics.alarm("n1"), "alarm-1"));
  rig::deliver(to_chunks, msg(r.topics.upload_chunk("n2", "t7", 3), "bytes"));
  rig::deliver(to_alarms, msg(r.topics.alarm("n3"), "alarm-2"));
  BOOST_TEST(alarms.empty());  // nothing runs on Paho's thread
  r.drain(3);
  BOOST_REQUIRE(alarms.size() == 2u);
  BOOST_TEST((alarms[0].topic.kind == protocol::topic_kind::alarm));
  BOOST_TEST(alarms[0].topic.owner == "n1");
  BOOST_TEST(alarms[0].msg.payload == "alarm-1");
  BOOST_TEST(alarms[1].topic.owner == "n3");  // in order
  BOOST_REQUIRE(chunks.size() == 1u);
  BOOST_TEST((chunks[0].topic.kind == protocol::topic_kind::upload_chunk));
  BOOST_TEST(chunks[0].topic.owner == "n2");
  BOOST_TEST(chunks[0].topic.transfer == "t7");
  BOOST_TEST(chunks[0].topic.index == 3u);
  BOOST_TEST(r.rejected.empty());
}

BOOST_AUTO_TEST_CASE(a_topic_that_does_not_parse_is_refused_before_it_is_queued) {
  rig r;
  int handled = 0;
  auto sink = r.inbound.to([&](const received&) { ++handled; });
  rig::deliver(sink, msg("peranda/v1/nodes/bad id!/alarm"));
  rig::deliver(sink, msg("elsewhere/alarm"));
  BOOST_REQUIRE(r.rejected.size() == 2u);
  BOOST_TEST(r.rejected[0].reason == "bad_topic");
  BOOST_TEST(r.rejected[1].reason == "bad_topic");
  rig::deliver(sink, msg(r.topics.alarm("n1")));
  r.drain(1);
  BOOST_TEST(handled == 1);  // only the good one was queued
}

BOOST_AUTO_TEST_CASE(retained_messages_are_refused_unless_the_subscription_takes_them) {
  rig r;
  std::vector<received> heartbeats;
  int alarms = 0;
  auto to_heartbeats = r.inbound.to([&](const received& m) { heartbeats.push_back(m); },
                                    dispatcher::retained::taken);
  auto to_alarms = r.inbound.to([&](const received&) { ++alarms; });
  rig::deliver(to_alarms, msg(r.topics.alarm("n1"), "{}", true));
  BOOST_REQUIRE(r.rejected.size() == 1u);
  BOOST_TEST(r.rejected[0].reason == "retained_ignored");
  BOOST_TEST(r.rejected[0].detail == r.topics.alarm("n1"));
  rig::deliver(to_heartbeats, msg(r.topics.heartbeat("n1"), "hb", true));
  r.drain(1);
  BOOST_TEST(alarms == 0);
  BOOST_REQUIRE(heartbeats.size() == 1u);
  BOOST_TEST(heartbeats[0].msg.retained);
  BOOST_TEST(r.rejected.size() == 1u);
}

BOOST_AUTO_TEST_CASE(what_no_feature_subscribed_is_refused_with_its_reason) {
  rig r;
  auto unmatched = r.inbound.unmatched();
  rig::deliver(unmatched, msg(r.topics.logs_request("n1")));
  rig::deliver(unmatched, msg(r.topics.master_status("m1"), "{}", true));
  rig::deliver(unmatched, msg("not/ours"));
  BOOST_REQUIRE(r.rejected.size() == 3u);
  BOOST_TEST(r.rejected[0].reason == "unexpected_topic");
  BOOST_TEST(r.rejected[0].detail == r.topics.logs_request("n1"));
  BOOST_TEST(r.rejected[1].reason == "retained_ignored");
  BOOST_TEST(r.rejected[2].reason == "bad_topic");
}

BOOST_AUTO_TEST_CASE(a_full_queue_drops_and_counts_without_blocking) {
  rig r(2);
  int handled = 0;
  auto sink = r.inbound.to([&](const received&) { ++handled; });
  for (int i = 0; i < 5; ++i) rig::deliver(sink, msg(r.topics.alarm("n" + std::to_string(i))));
  BOOST_TEST(r.inbound.dropped() == 3u);
  BOOST_REQUIRE(r.rejected.size() == 3u);
  BOOST_TEST(r.rejected[0].reason == "inbox_full");
  r.drain(2);
  BOOST_TEST(handled == 2);
}

BOOST_AUTO_TEST_CASE(the_queue_is_bounded_in_bytes_too) {
  // Nodes publishing 1 MiB "alarms" (the broker's max_packet_size) may fill
  // 64 MiB of the master's queue, not 8192 x 1 MiB; one node 8 MiB of it.
  rig r(8192);
  int handled = 0;
  auto sink = r.inbound.to([&](const received&) { ++handled; });
  const std::string mib(std::size_t{1} << 20, 'x');
  for (int node = 0; node < 10; ++node) {
    for (int i = 0; i < 10; ++i) {
      rig::deliver(sink, msg(r.topics.alarm("n" + std::to_string(node)), mib));
    }
  }
  // 7 per node fit beside their topics, and 63 in all: nodes 0-8 got 7 each.
  BOOST_TEST(r.inbound.dropped() == 37u);
  BOOST_TEST(std::ranges::count(r.rejected, std::string("sender_share_full"), &rejection::reason) ==
             27);
  BOOST_TEST(r.rejected.back().reason == "inbox_full");
  BOOST_TEST(r.rejected.back().detail == r.topics.alarm("n9"));
  r.drain(63);
  BOOST_TEST(handled == 63);
  // Room again once handled.
  rig::deliver(sink, msg(r.topics.alarm("n9"), mib));
  r.drain(1);
  BOOST_TEST(handled == 64);
}

BOOST_AUTO_TEST_CASE(a_flooding_node_holds_only_its_share_and_others_go_first) {
  rig r(8192);
  std::vector<std::string> order;
  auto sink = r.inbound.to([&](const received& m) { order.push_back(m.topic.owner); });
  for (int i = 0; i < 5000; ++i) rig::deliver(sink, msg(r.topics.alarm("flood")));
  BOOST_TEST(r.inbound.dropped() == 5000u - 2048u);  // a quarter of 8192
  BOOST_TEST(r.rejected.back().reason == "sender_share_full");
  // Another node's heartbeat still gets in, and runs after at most one of
  // the flood's messages instead of behind all 2048.
  auto beats = r.inbound.to([&](const received& m) { order.push_back(m.topic.owner); },
                            dispatcher::retained::taken);
  rig::deliver(beats, msg(r.topics.heartbeat("quiet")));
  BOOST_TEST(r.inbound.dropped() == 5000u - 2048u);
  r.drain(2);
  BOOST_REQUIRE(order.size() == 2u);
  BOOST_TEST(order[1] == "quiet");
}

BOOST_AUTO_TEST_CASE(a_handler_that_throws_is_counted_and_the_next_message_still_runs) {
  rig r;
  int handled = 0;
  auto failing = r.inbound.to([](const received&) -> void { throw std::runtime_error("boom"); });
  auto fine = r.inbound.to([&](const received&) { ++handled; });
  rig::deliver(failing, msg(r.topics.alarm("n1")));
  rig::deliver(fine, msg(r.topics.alarm("n2")));
  r.drain(2);
  BOOST_TEST(handled == 1);
  BOOST_REQUIRE(r.rejected.size() == 1u);
  BOOST_TEST(r.rejected[0].reason == "internal_error");
  BOOST_TEST(r.rejected[0].detail == "boom");
}

BOOST_AUTO_TEST_CASE(run_calls_idle_even_when_nothing_arrives) {
  rig r;
  std::stop_source stop;
  int idles = 0;
  r.inbound.run(stop.get_token(), std::chrono::milliseconds(0), [&] {
    if (++idles == 3) stop.request_stop();
  });
  BOOST_TEST(idles == 3);
}

BOOST_AUTO_TEST_SUITE_END()
