// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/broker_url.hpp"

#include <boost/test/unit_test.hpp>

#include "core/net/tcp_nodelay.hpp"

using namespace peranda;

BOOST_AUTO_TEST_SUITE(broker_url_parsing)

BOOST_AUTO_TEST_CASE(finds_scheme_host_and_port) {
  auto plain = parse_broker_url("tcp://127.0.0.1:1883");
  BOOST_REQUIRE(plain.has_value());
  BOOST_TEST(!plain->tls);
  BOOST_TEST(plain->address.host == "127.0.0.1");
  BOOST_TEST(plain->address.port == 1883);
  auto named = parse_broker_url("ssl://broker.example.net:8883");
  BOOST_REQUIRE(named.has_value());
  BOOST_TEST(named->tls);
  BOOST_TEST(named->address.host == "broker.example.net");
  auto v6 = parse_broker_url("mqtts://[::1]:8883");
  BOOST_REQUIRE(v6.has_value());
  BOOST_TEST(v6->tls);
  BOOST_TEST(v6->address.host == "::1");
  BOOST_TEST(v6->address.port == 8883);
  BOOST_TEST(v6->text == "mqtts://[::1]:8883");
}

BOOST_AUTO_TEST_CASE(a_url_without_a_valid_port_or_scheme_is_refused) {
  for (auto bad : {"tcp://broker", "ssl://[::1]", "tcp://host:70000", "tcp://host:18x3",
                   "tcp://host:0", "tcp://:1883", "http://x:80", "tcp://::1:1883"}) {
    auto url = parse_broker_url(bad);
    BOOST_TEST(!url.has_value(), bad);
    if (!url) BOOST_TEST(url.error().message.find(bad) != std::string::npos);
  }
  BOOST_TEST(set_tcp_nodelay_to_port(0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
