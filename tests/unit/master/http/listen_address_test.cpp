// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/listen_address.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;

BOOST_AUTO_TEST_SUITE(http_listen_address)

BOOST_AUTO_TEST_CASE(ipv4_ipv6_and_localhost_parse_to_literals) {
  auto v4 = parse_listen_address("127.0.0.1:8641");
  BOOST_REQUIRE(v4);
  BOOST_TEST(v4->host == "127.0.0.1");
  BOOST_TEST(v4->port == 8641);
  BOOST_TEST(v4->loopback);
  BOOST_TEST(v4->authority() == "127.0.0.1:8641");
  auto v6 = parse_listen_address("[::1]:9000");
  BOOST_REQUIRE(v6);
  BOOST_TEST(v6->host == "::1");
  BOOST_TEST(v6->loopback);
  BOOST_TEST(v6->authority() == "[::1]:9000");
  BOOST_TEST(v6->url() == "http://[::1]:9000");
  auto local = parse_listen_address("localhost:1");
  BOOST_REQUIRE(local);
  BOOST_TEST(local->host == "127.0.0.1");
  BOOST_TEST(parse_listen_address("127.9.8.7:80")->loopback);
  BOOST_TEST(parse_listen_address("[::ffff:127.0.0.1]:80")->loopback);
}

BOOST_AUTO_TEST_CASE(loopback_comes_from_the_address_not_the_text) {
  auto off = parse_listen_address("10.1.2.3:8641");
  BOOST_REQUIRE(off);
  BOOST_TEST(!off->loopback);
  BOOST_TEST(!off->wildcard);
  BOOST_TEST(parse_listen_address("0.0.0.0:8641")->wildcard);
  BOOST_TEST(!parse_listen_address("0.0.0.0:8641")->loopback);
  BOOST_TEST(parse_listen_address("[::]:8641")->wildcard);
  BOOST_TEST(!parse_listen_address("[2001:db8::1]:8641")->loopback);
  // The old prefix check passed these; none is an address.
  for (auto bad : {"127.attacker.example:8641", "127.0.0.1.evil:80", "127.1:80", "127.0.0.01:80",
                   "localhost.evil:80", "master.example:8641"}) {
    auto r = parse_listen_address(bad);
    BOOST_TEST(!r, bad);
    if (!r) BOOST_TEST(r.error().message.find(bad) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(malformed_addresses_and_ports_are_refused) {
  for (auto bad :
       {"", ":80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
        "::1:80", "[::1]", "[::1]80", "[nope]:80", "[]:80", "127.0.0.1:-1"}) {
    BOOST_TEST(!parse_listen_address(bad), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
