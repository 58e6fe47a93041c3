// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "core/net/tcp_nodelay.hpp"

using namespace peranda;

BOOST_AUTO_TEST_SUITE(tcp_nodelay)

BOOST_AUTO_TEST_CASE(finds_the_port_of_a_broker_uri) {
  BOOST_TEST(uri_port("tcp://127.0.0.1:1883") == 1883);
  BOOST_TEST(uri_port("ssl://broker.example.net:8883") == 8883);
  BOOST_TEST(uri_port("mqtts://[::1]:8883") == 8883);
}

BOOST_AUTO_TEST_CASE(a_uri_without_a_port_gives_zero) {
  BOOST_TEST(uri_port("tcp://broker") == 0);
  BOOST_TEST(uri_port("ssl://[::1]") == 0);
  BOOST_TEST(uri_port("tcp://host:70000") == 0);
  BOOST_TEST(uri_port("tcp://host:18x3") == 0);
  BOOST_TEST(set_tcp_nodelay_to_port(0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
