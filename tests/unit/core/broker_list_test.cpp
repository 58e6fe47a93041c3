// SPDX-License-Identifier: Apache-2.0
// [broker] url as one string or a list of brokers to fail over along.
#include <boost/test/unit_test.hpp>

#include "core/config/broker_settings.hpp"
#include "core/config/config_document.hpp"
#include "core/mqtt/broker_url.hpp"
#include "master-service/master_config.hpp"
#include "node-agent/agent_config.hpp"

using namespace peranda;

namespace {

result<broker_settings> load(const std::string& text) {
  auto doc = config_document::parse(text, "b.toml", broker_keys());
  if (!doc) return std::unexpected(doc.error());
  return load_broker_settings(doc->section("broker"));
}

std::string error_of(const std::string& text) {
  auto b = load(text);
  return b ? "" : b.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(broker_list)

BOOST_AUTO_TEST_CASE(one_string_is_a_list_of_one) {
  auto b = load("[broker]\nurl = \"tcp://10.0.0.1:1883\"\n").value();
  BOOST_TEST(b.urls == std::vector<std::string>{"tcp://10.0.0.1:1883"});
  auto o = b.session_options();
  BOOST_TEST(o.server_uri == "tcp://10.0.0.1:1883");
  BOOST_TEST(o.failover_uris.empty());
  BOOST_TEST(b.url_text() == "tcp://10.0.0.1:1883");
}

BOOST_AUTO_TEST_CASE(a_list_keeps_its_order_first_is_tried_first) {
  auto b = load("[broker]\nurl = [\"ssl://a.example:8883\", \"ssl://b.example:8883\", "
                "\"mqtts://c.example:8883\"]\n")
               .value();
  BOOST_TEST(b.urls.size() == 3u);
  auto o = b.session_options();
  BOOST_TEST(o.server_uri == "ssl://a.example:8883");
  BOOST_TEST(o.failover_uris ==
             (std::vector<std::string>{"ssl://b.example:8883", "mqtts://c.example:8883"}));
  BOOST_TEST(b.url_text() == "ssl://a.example:8883, ssl://b.example:8883, mqtts://c.example:8883");
}

BOOST_AUTO_TEST_CASE(the_default_is_one_local_broker) {
  auto b = load("").value();
  BOOST_TEST(b.urls == std::vector<std::string>{"tcp://127.0.0.1:1883"});
}

BOOST_AUTO_TEST_CASE(an_empty_list_or_a_non_string_is_refused_with_file_line_and_key) {
  BOOST_TEST(error_of("[broker]\n\nurl = []\n") ==
             "b.toml:3: key 'broker.url': expected a string or a non-empty array of strings");
  BOOST_TEST(error_of("[broker]\nurl = [\"tcp://a:1\", 5]\n") ==
             "b.toml:2: key 'broker.url': expected a string or a non-empty array of strings");
  BOOST_TEST(error_of("[broker]\nurl = 1883\n") ==
             "b.toml:2: key 'broker.url': expected a string or a non-empty array of strings");
}

BOOST_AUTO_TEST_CASE(every_entry_is_checked_and_the_bad_one_named) {
  BOOST_TEST(error_of("[broker]\nurl = [\"tcp://a:1883\", \"http://b:1883\"]\n") ==
             "b.toml:2: key 'broker.url': entry 2: 'http://b:1883' is not tcp://host:port or "
             "ssl://host:port");
  BOOST_TEST(error_of("[broker]\nurl = [\"tcp://a:99999\", \"tcp://b:1883\"]\n") ==
             "b.toml:2: key 'broker.url': entry 1: 'tcp://a:99999' is not tcp://host:port or "
             "ssl://host:port");
  // A single string keeps the message it always had.
  BOOST_TEST(error_of("[broker]\nurl = \"http://x\"\n") ==
             "b.toml:2: key 'broker.url': 'http://x' is not tcp://host:port or ssl://host:port");
}

BOOST_AUTO_TEST_CASE(a_list_mixing_tls_and_plain_is_refused) {
  // A failover must never silently drop encryption.
  BOOST_TEST(error_of("[broker]\nurl = [\"ssl://a:8883\", \"tcp://b:1883\"]\n") ==
             "b.toml:2: key 'broker.url': entry 2: 'tcp://b:1883' is plain but 'ssl://a:8883' is "
             "TLS: use TLS for every broker of the list or for none");
  BOOST_TEST(error_of("[broker]\nurl = [\"tcp://a:1883\", \"mqtts://b:8883\"]\n") ==
             "b.toml:2: key 'broker.url': entry 2: 'mqtts://b:8883' is TLS but 'tcp://a:1883' is "
             "plain: use TLS for every broker of the list or for none");
  BOOST_TEST(error_of("[broker]\nurl = [\"mqtt://a:1883\", \"tcp://b:1883\"]\n") == "");
}

BOOST_AUTO_TEST_CASE(agent_and_master_both_take_a_list) {
  const std::string broker = "[broker]\nurl = [\"tcp://a:1883\", \"tcp://b:1883\"]\n";
  auto agent_doc = config_document::parse(broker + "[agent]\nnode_id = \"n\"\nip = \"10.1.2.3\"\n",
                                          "agent.toml", agent::agent_keys());
  BOOST_TEST_REQUIRE(agent_doc.has_value());
  auto agent_cfg = agent::build_agent_config(*agent_doc);
  BOOST_TEST_REQUIRE(agent_cfg.has_value());
  BOOST_TEST(agent_cfg->broker.urls.size() == 2u);
  auto master_doc = config_document::parse(broker + "[master]\nid = \"m1\"\n", "master.toml",
                                           master::master_keys());
  BOOST_TEST_REQUIRE(master_doc.has_value());
  auto master_cfg = master::build_master_config(*master_doc);
  BOOST_TEST_REQUIRE(master_cfg.has_value());
  BOOST_TEST(master_cfg->broker.urls.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_docs_name_the_type) {
  auto text = describe_keys(broker_keys());
  BOOST_TEST(text.find("| `url` | string or list of strings |") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(connected_broker)

BOOST_AUTO_TEST_CASE(numeric_hosts_match_address_and_port) {
  std::vector<std::string> urls{"tcp://127.0.0.1:1883", "tcp://127.0.0.2:1883"};
  std::vector<host_port> peers{{"10.0.0.9", 443}, {"127.0.0.2", 1883}};
  BOOST_TEST(find_connected_broker(urls, peers) == "tcp://127.0.0.2:1883");
  BOOST_TEST(find_connected_broker(urls, std::vector<host_port>{{"127.0.0.3", 1883}}) == "");
}

BOOST_AUTO_TEST_CASE(names_match_by_a_port_no_other_entry_has) {
  std::vector<std::string> unique{"ssl://a.example:8883", "ssl://b.example:8884"};
  BOOST_TEST(find_connected_broker(unique, std::vector<host_port>{{"192.0.2.7", 8884}}) ==
             "ssl://b.example:8884");
  // Same port on every broker (the usual production list): not known.
  std::vector<std::string> shared{"ssl://a.example:8883", "ssl://b.example:8883"};
  BOOST_TEST(find_connected_broker(shared, std::vector<host_port>{{"192.0.2.7", 8883}}) == "");
}

BOOST_AUTO_TEST_CASE(sockets_to_two_entries_are_not_guessed_between) {
  std::vector<std::string> urls{"tcp://127.0.0.1:1001", "tcp://127.0.0.1:1002"};
  std::vector<host_port> peers{{"127.0.0.1", 1001}, {"127.0.0.1", 1002}};
  BOOST_TEST(find_connected_broker(urls, peers) == "");
}

BOOST_AUTO_TEST_SUITE_END()
