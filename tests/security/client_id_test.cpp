// SPDX-License-Identifier: Apache-2.0
// Item 1 of issue 14: node-a, with its own password, connects with another
// user's client id to take over that session (mosquitto would drop the
// owner, fire its Will and hand over its persistent session). The broker
// plugin refuses every such CONNECT; node-b and the master never notice.
#define BOOST_TEST_MODULE client_id
#include <mqtt/async_client.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "tests/security/attacked_fleet.hpp"
#include "tests/support/message_inbox.hpp"

namespace peranda::test {
namespace {

// Every id node-a might steal: node-b's main and alarm sessions, the
// master's, and the ids each of them used before the `<user>:` rule.
const std::vector<std::string> k_stolen_ids = {
    "node-b",          "node-b:alarms", "master-1:master", "node-b-alarms",
    "master-master-1", "master-1",      "edge-site-1"};

// One CONNECT as node-a with `client_id`, a persistent session (as the
// owners use) unless `clean`, and its password unless given; returns the
// CONNACK return code: 0 accepted, 5 not authorised.
int connect_as_node_a(const production_fleet& f, const std::string& client_id,
                      std::string password = "", bool clean = false) {
  mqtt::async_client client(f.url(), client_id, mqtt::create_options(MQTTVERSION_3_1_1));
  mqtt::ssl_options ssl;
  ssl.set_verify(true);
  ssl.set_enable_server_cert_auth(true);
  ssl.set_trust_store(f.ca_file().string());
  auto options = mqtt::connect_options_builder()
                     .clean_session(clean)
                     .user_name("node-a")
                     .password(password.empty() ? f.password("node-a") : password)
                     .connect_timeout(std::chrono::seconds(30))
                     .ssl(std::move(ssl))
                     .finalize();
  try {
    client.connect(options)->wait();
  } catch (const mqtt::exception& e) {
    return e.get_return_code() > 0 ? e.get_return_code() : -1;
  }
  client.disconnect()->wait();
  return 0;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// A watcher with master-1's user: node-b's heartbeats, and a topic of its
// own for sync markers (acks to node-a, which has no agent here).
struct observer {
  explicit observer(const attacked_fleet& f) : session(f.helper("master-1", "master-1:observer")) {
    inbox.subscribe(session, root + "node-b/heartbeat");
    inbox.subscribe(session, root + "node-a/alarm/ack");
    BOOST_REQUIRE(session.start());
    BOOST_REQUIRE(session.wait_connected(k_deadline));
    sync();
  }
  ~observer() { session.stop(); }

  // Returns once a marker published now came back: everything the broker
  // sent this watcher before (a Will fired by a takeover, say) is in `seen`.
  void sync() {
    auto marker = "sync-" + std::to_string(++syncs);
    // The first marker may precede the SUBSCRIBE: publish until one is back.
    BOOST_REQUIRE(wait_until([&] {
      BOOST_REQUIRE(session.publish({root + "node-a/alarm/ack", marker, 1, false}));
      return wait_until([&] { return drain_until(marker); }, std::chrono::seconds(2));
    }));
  }

  bool drain_until(const std::string& marker) {
    while (auto m = inbox.pop_for(std::chrono::milliseconds(0))) {
      if (m->topic == root + "node-a/alarm/ack") {
        if (m->payload == marker) return true;
        continue;
      }
      seen.push_back(*m);
    }
    return false;
  }

  // States of the node-b heartbeats seen so far (retained one included).
  std::vector<std::string> node_b_states() const {
    std::vector<std::string> states;
    for (const auto& m : seen) {
      auto j = nlohmann::json::parse(m.payload, nullptr, false);
      states.push_back(j.is_object() ? j.value("state", "?") : "?");
    }
    return states;
  }

  const std::string root = "peranda/v1/nodes/";
  mqtt_session::session session;
  message_inbox inbox;
  int syncs = 0;
  std::vector<mqtt_session::message> seen;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(client_id, attacked_fleet)

BOOST_AUTO_TEST_CASE(stolen_client_ids_are_refused_and_nobody_notices) {
  observer watch(*this);
  BOOST_REQUIRE(!watch.node_b_states().empty());  // the retained `online`
  auto master_connects = count(master->log(), "connected to ");

  // node-a's credentials are good: its own ids are accepted.
  BOOST_CHECK_EQUAL(connect_as_node_a(*this, "node-a"), 0);
  BOOST_CHECK_EQUAL(connect_as_node_a(*this, "node-a:anything"), 0);
  // The plugin defers a good id to the password file, which still decides.
  BOOST_CHECK_EQUAL(connect_as_node_a(*this, "node-a", password("node-b")), 5);
  // Each stolen id is refused at CONNECT (not authorised) before the broker
  // touches the owner's session: to resume it, and to replace it with a
  // clean one (mosquitto 2.0.11 fires the owner's Will for the latter).
  for (bool clean : {false, true}) {
    for (const auto& id : k_stolen_ids) {
      BOOST_CHECK_MESSAGE(connect_as_node_a(*this, id, "", clean) == 5,
                          "client id '" << id << "' accepted");
    }
  }

  // Everything the broker sent before the marker is in: no Will fired.
  watch.sync();
  for (const auto& state : watch.node_b_states()) BOOST_CHECK_EQUAL(state, "online");
  BOOST_CHECK_EQUAL(node_state("node-b"), "online");
  // Neither node-b's two sessions nor the master were disconnected.
  BOOST_CHECK_EQUAL(count(node_b->log(), "as 'node-b'"), 1U);
  BOOST_CHECK_EQUAL(count(node_b->log(), "as 'node-b:alarms'"), 1U);
  BOOST_CHECK_EQUAL(count(master->log(), "connected to "), master_connects);
  BOOST_CHECK_EQUAL(count(master->log(), "as 'master-1:master'"), 1U);
  // The broker says why, once per power of ten.
  BOOST_CHECK_MESSAGE(count(broker->log(), "peranda: refused client id") >= 2, broker->log());
  BOOST_CHECK_LT(master_rss_kib(), rss_bound_kib(512));
}

// `systemctl reload mosquitto` (after provisioning a node) re-registers the
// password file's check: the plugin must still run first.
BOOST_AUTO_TEST_CASE(the_rule_holds_after_a_broker_reload) {
  BOOST_REQUIRE_EQUAL(::kill(broker->pid(), SIGHUP), 0);
  BOOST_REQUIRE(
      wait_until([&] { return broker->log().find("Reloading config") != std::string::npos; }));
  BOOST_CHECK_EQUAL(connect_as_node_a(*this, "node-a"), 0);
  BOOST_CHECK_EQUAL(connect_as_node_a(*this, "node-a", password("node-b")), 5);
  for (const auto& id : k_stolen_ids) BOOST_CHECK_EQUAL(connect_as_node_a(*this, id), 5);
  BOOST_CHECK_EQUAL(node_state("node-b"), "online");
}

BOOST_AUTO_TEST_CASE(a_request_queued_for_node_b_survives_the_attempts) {
  // node-b goes away cleanly; its persistent session keeps what is sent to it.
  node_b.reset();
  BOOST_REQUIRE(wait_until([&] { return node_state("node-b") == "offline"; }));
  mqtt_session::session master_user(helper("master-1", "master-1:queue"));
  BOOST_REQUIRE(master_user.start());
  BOOST_REQUIRE(master_user.wait_connected(k_deadline));
  const std::string request = "peranda/v1/nodes/node-b/logs/request";
  BOOST_REQUIRE(master_user.publish({request, "queued-for-node-b", 1, false}));
  master_user.stop();  // waits for the PUBACK: the message is queued

  for (const auto& id : k_stolen_ids) BOOST_CHECK_EQUAL(connect_as_node_a(*this, id), 5);
  BOOST_CHECK_EQUAL(connect_as_node_a(*this, "node-b", "", true), 5);

  // node-b's own session, resumed, still holds the request.
  auto owner = helper("node-b", "node-b");
  owner.clean_session = false;
  mqtt_session::session b(owner);
  message_inbox b_in;
  b_in.subscribe(b, request);
  BOOST_REQUIRE(b.start());
  BOOST_REQUIRE(b.wait_connected(k_deadline));
  bool delivered = wait_until([&] {
    while (auto m = b_in.pop_for(std::chrono::milliseconds(0))) {
      if (m->topic == request && m->payload == "queued-for-node-b") return true;
    }
    return false;
  });
  BOOST_CHECK_MESSAGE(delivered, "the request queued for node-b was lost");
  b.stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
