// SPDX-License-Identifier: Apache-2.0
// The production broker config (broker-config/production.conf and acl, with
// only the listener address and file paths rewritten) with a generated CA
// and provisioned users: the ACL binds each node to its own topics, strangers
// are refused, and the real programs work over verified TLS.
#define BOOST_TEST_MODULE ops_broker_tls
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "core/mqtt/session.hpp"
#include "tests/support/ops_support.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/production_fleet.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/message_inbox.hpp"

namespace peranda::test {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The production fleet plus agent configs written by hand (the check
// below needs wrong users, CAs and URLs).
struct tls_fleet : production_fleet {
  // An agent config; `user` and `password_user` default to the node id.
  std::filesystem::path agent_config(const std::string& node, std::string user = "",
                                     std::string password_user = "", std::string ca = "ca/ca.crt",
                                     std::string url_ = "", bool client_cert = false) const {
    if (user.empty()) user = node;
    if (password_user.empty()) password_user = user;
    if (url_.empty()) url_ = url();
    auto path = dir / (node + "-" + user + "-" + password_user + ".toml");
    std::string broker_lines = user == "-" ? ""
                                           : "username = \"" + user + "\"\npassword_file = \"" +
                                                 password_file(password_user) + "\"\n";
    if (client_cert) {
      broker_lines += "cert_file = \"" + (dir / "creds" / (user + ".crt")).string() +
                      "\"\nkey_file = \"" + (dir / "creds" / (user + ".key")).string() + "\"\n";
    }
    write_text(path, "[broker]\nurl = \"" + url_ + "\"\n" + broker_lines + "ca_file = \"" +
                         (dir / ca).string() + "\"\n[agent]\nnode_id = \"" + node +
                         "\"\nspool_dir = \"" + (dir / ("spool-" + node)).string() +
                         "\"\nheartbeat_interval = \"1s\"\n");
    return path;
  }

  run_result check(const std::filesystem::path& config) const {
    return run({program("peranda-agent"), "--config", config.string(), "--check-connection"},
               dir / "check.log");
  }
};

bool seen(message_inbox& in, std::vector<mqtt_session::message>& got, const std::string& topic) {
  while (auto m = in.pop_for(std::chrono::milliseconds(0))) got.push_back(*m);
  for (const auto& m : got) {
    if (m.topic == topic) return true;
  }
  return false;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(production_broker, tls_fleet)

BOOST_AUTO_TEST_CASE(a_node_writes_and_reads_only_its_own_topics) {
  const std::string root = "peranda/v1/nodes/";
  mqtt_session::session master(client("master-1"));
  message_inbox master_in, a_in, b_in;
  master_in.subscribe(master, root + "#");
  mqtt_session::session a(client("node-a"));
  a_in.subscribe(a, root + "node-b/logs/request");
  a_in.subscribe(a, root + "node-a/logs/request");
  a_in.subscribe(a, root + "node-b/alarm/ack");
  a_in.subscribe(a, root + "node-a/alarm/ack");
  mqtt_session::session b(client("node-b"));
  b_in.subscribe(b, root + "node-b/logs/request");
  for (auto* s : {&master, &a, &b}) {
    BOOST_REQUIRE(s->start());
    BOOST_REQUIRE(s->wait_connected(k_deadline));
  }
  // SUBSCRIBE goes out in the connected handler, unacknowledged: a first
  // round of messages proves every subscription is active.
  std::vector<mqtt_session::message> to_master, to_a, to_b;
  BOOST_REQUIRE(master.publish({root + "node-a/logs/request", "sync", 1, false}));
  BOOST_REQUIRE(master.publish({root + "node-b/logs/request", "sync", 1, false}));
  BOOST_REQUIRE(wait_until([&] { return seen(b_in, to_b, root + "node-b/logs/request"); }));
  BOOST_REQUIRE(wait_until([&] { return seen(a_in, to_a, root + "node-a/logs/request"); }));
  BOOST_REQUIRE(wait_until([&] { return seen(master_in, to_master, root + "node-a/logs/request"); }));
  to_master.clear();
  to_a.clear();
  to_b.clear();

  // Forgeries first, then a message of its own on the same connection: once
  // that one arrived, a forgery that got through would have arrived too.
  BOOST_REQUIRE(a.publish({root + "node-b/heartbeat", "forged", 1, false}));
  BOOST_REQUIRE(a.publish({root + "node-b/alarm", "forged", 1, false}));
  BOOST_REQUIRE(a.publish({root + "node-a/alarm", "mine", 1, false}));
  BOOST_REQUIRE(wait_until([&] { return seen(master_in, to_master, root + "node-a/alarm"); }));
  BOOST_CHECK(!seen(master_in, to_master, root + "node-b/heartbeat"));
  BOOST_CHECK(!seen(master_in, to_master, root + "node-b/alarm"));

  // node-a asked for node-b's requests too, but gets only its own.
  BOOST_REQUIRE(master.publish({root + "node-b/logs/request", "for-b", 1, false}));
  BOOST_REQUIRE(master.publish({root + "node-a/logs/request", "for-a", 1, false}));
  BOOST_REQUIRE(wait_until([&] { return seen(b_in, to_b, root + "node-b/logs/request"); }));
  BOOST_REQUIRE(wait_until([&] { return seen(a_in, to_a, root + "node-a/logs/request"); }));
  BOOST_CHECK(!seen(a_in, to_a, root + "node-b/logs/request"));
  // Alarm confirmations likewise.
  BOOST_REQUIRE(master.publish({root + "node-b/alarm/ack", "for-b", 1, false}));
  BOOST_REQUIRE(master.publish({root + "node-a/alarm/ack", "for-a", 1, false}));
  BOOST_REQUIRE(wait_until([&] { return seen(a_in, to_a, root + "node-a/alarm/ack"); }));
  BOOST_CHECK(!seen(a_in, to_a, root + "node-b/alarm/ack"));
  for (auto* s : {&master, &a, &b}) s->stop();
}

BOOST_AUTO_TEST_CASE(anonymous_and_wrong_passwords_are_refused) {
  auto anonymous = check(agent_config("node-a", "-"));
  BOOST_CHECK_EQUAL(anonymous.status, 1);
  BOOST_CHECK_MESSAGE(anonymous.output.find("refuses anonymous") != std::string::npos,
                      anonymous.output);
  auto wrong = check(agent_config("node-a", "node-a", "node-b"));
  BOOST_CHECK_EQUAL(wrong.status, 1);
  BOOST_CHECK_MESSAGE(wrong.output.find("wrong user name or password") != std::string::npos,
                      wrong.output);
}

BOOST_AUTO_TEST_CASE(check_connection_passes_and_names_each_failure) {
  auto good = check(agent_config("node-a"));
  BOOST_CHECK_EQUAL(good.status, 0);
  BOOST_CHECK_MESSAGE(good.output.find("connection ok") != std::string::npos, good.output);
  auto by_name = check(agent_config("node-a", "", "", "ca/ca.crt", url("localhost")));
  BOOST_CHECK_MESSAGE(by_name.status == 0, by_name.output);

  // A user whose name is not the node id: logged in, but the ACL says no.
  auto acl = check(agent_config("node-b", "node-a"));
  BOOST_CHECK_EQUAL(acl.status, 1);
  BOOST_CHECK_MESSAGE(acl.output.find("ACL") != std::string::npos, acl.output);

  // A CA that did not sign the broker's certificate.
  auto other_ca =
      run({"/bin/bash", source_path("scripts/make-test-ca.sh"), (dir / "other-ca").string()},
          dir / "other-ca.log");
  BOOST_REQUIRE_MESSAGE(other_ca.status == 0, other_ca.output);
  auto untrusted = check(agent_config("node-a", "", "", "other-ca/ca.crt"));
  BOOST_CHECK_EQUAL(untrusted.status, 1);
  BOOST_CHECK_MESSAGE(untrusted.output.find("not trusted") != std::string::npos, untrusted.output);

  // Nothing listens on a fresh free port.
  auto refused = check(agent_config("node-a", "", "", "ca/ca.crt",
                                    "ssl://127.0.0.1:" + std::to_string(free_port())));
  BOOST_CHECK_EQUAL(refused.status, 1);
  BOOST_CHECK_MESSAGE(refused.output.find("refused") != std::string::npos, refused.output);
}

BOOST_AUTO_TEST_CASE(a_broker_that_requires_client_certificates_accepts_provisioned_ones) {
  auto strict_port = free_port();
  auto conf = production_config(strict_port, "strict");
  rewrite(conf, "require_certificate false", "require_certificate true");
  auto strict = start_broker("strict", conf);
  auto strict_url = url("127.0.0.1", strict_port);

  auto without = check(agent_config("node-a", "", "", "ca/ca.crt", strict_url));
  BOOST_CHECK_EQUAL(without.status, 1);
  BOOST_CHECK_MESSAGE(contains(without.output, "requires a client certificate"), without.output);
  auto with = check(agent_config("node-a", "", "", "ca/ca.crt", strict_url, true));
  BOOST_CHECK_EQUAL(with.status, 0);
  BOOST_CHECK_MESSAGE(contains(with.output, "connection ok"), with.output);
}

BOOST_AUTO_TEST_CASE(check_connection_names_a_certificate_issued_for_another_host) {
  // A broker whose certificate, signed by the right CA, names localhost only.
  auto lo = dir / "localhost-only";
  std::filesystem::create_directories(lo);
  auto ca = (dir / "ca").string();
  auto made = run({"/bin/bash", "-c",
                   "set -e; cd " + lo.string() +
                       "; openssl req -newkey rsa:2048 -nodes -subj /CN=localhost"
                       " -keyout server.key -out server.csr 2>/dev/null"
                       "; openssl x509 -req -in server.csr -CA " +
                       ca + "/ca.crt -CAkey " + ca +
                       "/ca.key -CAcreateserial -CAserial serial -days 1"
                       " -extfile <(printf 'subjectAltName=DNS:localhost\\n') -out server.crt"
                       " 2>/dev/null"},
                  dir / "localhost-only.log");
  BOOST_REQUIRE_MESSAGE(made.status == 0, made.output);
  auto lo_port = free_port();
  auto conf = production_config(lo_port, "lo");
  rewrite(conf, ca + "/server.crt", (lo / "server.crt").string());
  rewrite(conf, ca + "/server.key", (lo / "server.key").string());
  auto broker_lo = start_broker("lo", conf);

  auto by_ip = check(agent_config("node-a", "", "", "ca/ca.crt", url("127.0.0.1", lo_port)));
  BOOST_CHECK_EQUAL(by_ip.status, 1);
  BOOST_CHECK_MESSAGE(contains(by_ip.output, "does not name '127.0.0.1'"), by_ip.output);
  auto by_name = check(agent_config("node-a", "", "", "ca/ca.crt", url("localhost", lo_port)));
  BOOST_CHECK_MESSAGE(by_name.status == 0, by_name.output);
}

BOOST_AUTO_TEST_CASE(an_edge_broker_bridges_its_nodes_to_the_central_broker) {
  auto edge_port = free_port();
  auto edge = start_broker("edge", edge_config(edge_port));
  const std::string root = "peranda/v1/";
  mqtt_session::session master(client("master-1"));
  message_inbox master_in, node_in;
  master_in.subscribe(master, root + "nodes/+/heartbeat");
  master_in.subscribe(master, root + "bridges/+/state");
  auto node_options = client("node-a");
  node_options.server_uri = url("127.0.0.1", edge_port);
  mqtt_session::session node(node_options);
  node_in.subscribe(node, root + "nodes/node-a/logs/request");
  for (auto* s : {&master, &node}) {
    BOOST_REQUIRE(s->start());
    BOOST_REQUIRE(s->wait_connected(k_deadline));
  }
  std::vector<mqtt_session::message> at_master, at_node;
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return seen(master_in, at_master, root + "bridges/edge-site-1/state"); }),
      read_text(dir / "edge.log"));

  // Out: a node's heartbeat on the edge reaches the master on the central
  // broker. Re-published until the bridge's subscriptions are in place.
  BOOST_CHECK_MESSAGE(
      wait_until([&] {
        BOOST_REQUIRE(node.publish({root + "nodes/node-a/heartbeat", "hb", 1, false}));
        return wait_until([&] { return seen(master_in, at_master, root + "nodes/node-a/heartbeat"); },
                          std::chrono::seconds(1));
      }),
      read_text(dir / "edge.log"));
  // In: a request on the central broker reaches the node on the edge.
  BOOST_CHECK(wait_until([&] {
    BOOST_REQUIRE(master.publish({root + "nodes/node-a/logs/request", "req", 1, false}));
    return wait_until([&] { return seen(node_in, at_node, root + "nodes/node-a/logs/request"); },
                      std::chrono::seconds(1));
  }));
  for (auto* s : {&master, &node}) s->stop();
}

BOOST_AUTO_TEST_CASE(agent_and_master_work_end_to_end_over_verified_tls) {
  auto http_port = std::to_string(free_port());
  auto master_conf = dir / "master.toml";
  write_text(master_conf,
             "[broker]\nurl = \"" + url("localhost") +
                 "\"\nusername = \"master-1\"\npassword_file = \"" + password_file("master-1") +
                 "\"\nca_file = \"" + (dir / "ca" / "ca.crt").string() +
                 "\"\n[master]\nid = \"master-1\"\ndata_dir = \"" + (dir / "data").string() +
                 "\"\nhttp_listen = \"127.0.0.1:" + http_port + "\"\n");
  child_process master({program("peranda-master"), "--config", master_conf.string()},
                       dir / "master.log");
  child_process agent({program("peranda-agent"), "--config", agent_config("node-a").string()},
                      dir / "agent.log");
  run_result nodes;
  bool online = wait_until([&] {
    nodes = run({program("peranda-ctl"), "--master", "http://127.0.0.1:" + http_port, "nodes"},
                dir / "ctl.log");
    return nodes.output.find("node-a") != std::string::npos &&
           nodes.output.find("online") != std::string::npos;
  });
  BOOST_CHECK_MESSAGE(online,
                      nodes.output + "\nmaster:\n" + master.log() + "\nagent:\n" + agent.log());
  BOOST_CHECK_EQUAL(agent.stop(), 0);
  BOOST_CHECK_EQUAL(master.stop(), 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
