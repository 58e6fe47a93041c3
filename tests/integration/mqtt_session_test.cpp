// SPDX-License-Identifier: Apache-2.0
// The MQTT session against a real mosquitto, through a proxy that can cut
// every connection: a connection that keeps dropping right after CONNACK
// (what a corrupted Paho resend list causes after a broker crash) gets a
// fresh Paho client, which resumes the broker's session; one started while
// its broker is down connects once the broker is back (Paho's automatic
// reconnect, with no help from us); a publisher never waits for ever on a slot whose publish never
// completes; the first subscription whose filter matches takes a message; a
// message of a subscription the broker kept from an earlier run reaches the
// unmatched sink.
#define BOOST_TEST_MODULE mqtt_session_test
#include <boost/test/unit_test.hpp>

#include <mutex>
#include <vector>

#include "core/mqtt/session.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/message_inbox.hpp"
#include "tests/support/tcp_delay_proxy.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

// A message published on `topic` (subscribed into `in`) comes back through
// the broker.
bool round_trip(mqtt_session::session& s, message_inbox& in, const std::string& topic) {
  return wait_until([&] {
    if (!s.publish({topic, "ping", 1, false}).has_value()) return false;
    return wait_until([&] { return in.take_one(std::chrono::milliseconds(0)); },
                      std::chrono::seconds(1));
  });
}

// A session of `client_id` to `url` that retries every second.
mqtt_session::options quick_retry(std::string url, std::string client_id) {
  mqtt_session::options o;
  o.server_uri = std::move(url);
  o.client_id = std::move(client_id);
  o.min_retry = std::chrono::seconds(1);
  o.max_retry = std::chrono::seconds(1);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_connection_that_keeps_dropping_gets_a_fresh_client) {
  temp_dir dir;
  broker b(dir / "broker");
  tcp_delay_proxy proxy(b.port(), std::chrono::milliseconds(0));
  auto o = quick_retry(proxy.url(), "flapper");
  // Every drop below counts, however slow the machine.
  o.flap_window = std::chrono::minutes(10);
  o.flaps_before_fresh_client = 3;
  mqtt_session::session s(o);
  message_inbox in;
  in.subscribe(s, "t/#");
  BOOST_REQUIRE(s.start().has_value());

  for (int flap = 1; flap <= 3; ++flap) {
    BOOST_REQUIRE_MESSAGE(s.wait_connected(k_deadline), "flap " << flap);
    BOOST_TEST(s.fresh_clients() == 0u);
    auto accepted = proxy.connections_accepted();
    proxy.drop_all();
    BOOST_REQUIRE(wait_until([&] { return !s.is_connected(); }));
    // The next connect goes through a new proxy connection.
    BOOST_REQUIRE(wait_until([&] { return proxy.connections_accepted() > accepted; }));
  }
  BOOST_REQUIRE(wait_until([&] { return s.fresh_clients() == 1u; }));

  // The fresh client connects, subscribes again and publishes; its own
  // message comes back through the broker.
  BOOST_REQUIRE(s.wait_connected(k_deadline));
  BOOST_REQUIRE(round_trip(s, in, "t/x"));
  BOOST_TEST(s.fresh_clients() == 1u);
  BOOST_REQUIRE(wait_until([&] { return s.inflight() == 0u; }));
  s.stop();
}

BOOST_AUTO_TEST_CASE(a_session_started_without_its_broker_connects_when_it_is_back) {
  temp_dir dir;
  broker b(dir / "broker");
  b.stop();
  auto o = quick_retry(b.url(), "patient");
  mqtt_session::session s(o);
  message_inbox in;
  in.subscribe(s, "t/#");
  BOOST_REQUIRE(s.start().has_value());
  BOOST_TEST(!s.is_connected());
  b.start();
  BOOST_REQUIRE(s.wait_connected(k_deadline));
  BOOST_REQUIRE(round_trip(s, in, "t/y"));
  // The one client reconnected: no fresh client was needed.
  BOOST_TEST(s.fresh_clients() == 0u);
  BOOST_TEST(s.is_connected());
  s.stop();
}

BOOST_AUTO_TEST_CASE(a_publisher_waits_for_a_free_slot_at_most_slot_wait) {
  temp_dir dir;
  broker b(dir / "broker");
  // Nothing gets through in time: the first publish never completes.
  tcp_delay_proxy proxy(b.port(), std::chrono::hours(1));
  auto o = quick_retry(proxy.url(), "stuck");
  o.max_inflight = 1;
  o.slot_wait = std::chrono::milliseconds(200);
  mqtt_session::session s(o);
  BOOST_REQUIRE(s.start().has_value());
  BOOST_REQUIRE(s.publish({"t/1", "a", 1, false}).has_value());
  BOOST_TEST(s.slot_waits_given_up() == 0u);
  // The only slot stays taken; the second publish gives up waiting for it.
  BOOST_REQUIRE(s.publish({"t/2", "b", 1, false}).has_value());
  BOOST_TEST(s.slot_waits_given_up() == 1u);
  BOOST_TEST(s.inflight() == 2u);
  s.stop({}, std::chrono::milliseconds(100));
}

BOOST_AUTO_TEST_CASE(the_first_subscription_whose_filter_matches_takes_the_message) {
  temp_dir dir;
  broker b(dir / "broker");
  auto o = quick_retry(b.url(), "claimer");
  std::mutex mu;
  std::vector<mqtt_session::message> claimed;
  mqtt_session::session s(o);
  s.subscribe("bulk/#", 1, [&](mqtt_session::message& m) {
    std::lock_guard lock(mu);
    claimed.push_back(std::move(m));
  });
  message_inbox rest;
  rest.subscribe(s, "#");
  BOOST_REQUIRE(s.start().has_value());
  BOOST_REQUIRE(s.wait_connected(std::chrono::seconds(30)));
  BOOST_REQUIRE(s.publish({"bulk/1", std::string(100'000, 'x'), 1, false}).has_value());
  BOOST_REQUIRE(s.publish({"other/1", "hello", 1, false}).has_value());
  // Per-topic order holds, not order across topics: wait for both.
  auto other = rest.pop_for(std::chrono::seconds(30));
  BOOST_REQUIRE(other.has_value());
  BOOST_TEST(other->topic == "other/1");
  BOOST_REQUIRE(wait_until([&] {
    std::lock_guard lock(mu);
    return !claimed.empty();
  }));
  std::lock_guard lock(mu);
  BOOST_TEST(claimed.size() == 1u);
  BOOST_TEST(claimed[0].topic == "bulk/1");
  BOOST_TEST(claimed[0].payload.size() == 100'000u);
  BOOST_TEST(!rest.take_one(std::chrono::milliseconds(0)));
}

BOOST_AUTO_TEST_CASE(a_subscription_kept_from_an_earlier_run_reaches_the_unmatched_sink) {
  temp_dir dir;
  broker b(dir / "broker");
  auto o = quick_retry(b.url(), "keeper");
  {
    mqtt_session::session earlier(o);
    message_inbox old;
    old.subscribe(earlier, "old/#");
    BOOST_REQUIRE(earlier.start().has_value());
    BOOST_REQUIRE(earlier.wait_connected(std::chrono::seconds(30)));
    BOOST_REQUIRE(round_trip(earlier, old, "old/0"));  // the broker holds old/#
    earlier.stop();
  }
  std::mutex mu;
  std::vector<std::string> taken;
  std::vector<std::string> unmatched;
  mqtt_session::session s(o);  // the same persistent session, without old/#
  s.subscribe("new/#", 1, [&](mqtt_session::message& m) {
    std::lock_guard lock(mu);
    taken.push_back(m.topic);
  });
  s.on_unmatched([&](mqtt_session::message& m) {
    std::lock_guard lock(mu);
    unmatched.push_back(m.topic);
  });
  BOOST_REQUIRE(s.start().has_value());
  BOOST_REQUIRE(s.wait_connected(std::chrono::seconds(30)));
  BOOST_REQUIRE(s.publish({"old/1", "stale", 1, false}).has_value());
  BOOST_REQUIRE(s.publish({"new/1", "fresh", 1, false}).has_value());
  BOOST_REQUIRE(wait_until([&] {
    std::lock_guard lock(mu);
    return !taken.empty() && !unmatched.empty();
  }));
  std::lock_guard lock(mu);
  BOOST_TEST(taken == std::vector<std::string>{"new/1"});
  BOOST_TEST(unmatched == std::vector<std::string>{"old/1"});
}
