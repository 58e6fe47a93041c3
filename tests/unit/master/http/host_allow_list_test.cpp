// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/host_allow_list.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;

namespace {

host_allow_list hosts_for(const char* listen, std::vector<std::string> names = {}) {
  return host_allow_list(parse_listen_address(listen).value(), names);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_host_allow_list)

BOOST_AUTO_TEST_CASE(loopback_answers_its_own_names_only) {
  auto h = hosts_for("127.0.0.1:8641");
  for (auto ok : {"127.0.0.1:8641", "localhost:8641", "LOCALHOST:8641", "[::1]:8641"}) {
    BOOST_TEST(h.allows(ok), ok);
  }
  for (auto bad : {"evil.example", "evil.example:8641", "127.0.0.1", "127.0.0.1:80",
                   "localhost:8642", "127.0.0.2:8641", "", ":8641", "localhost:8641:1",
                   "10.0.0.1:8641", "127.attacker.example:8641", "[::1", "localhost:0"}) {
    BOOST_TEST(!h.allows(bad), bad);
  }
}

BOOST_AUTO_TEST_CASE(configured_names_and_default_ports) {
  auto h = hosts_for("10.0.0.5:8641", {"master.example", "Proxy.Example:443", "[2001:db8::5]"});
  BOOST_TEST(h.allows("10.0.0.5:8641"));
  BOOST_TEST(h.allows("master.example:8641"));
  BOOST_TEST(h.allows("MASTER.example:8641"));
  BOOST_TEST(!h.allows("master.example"));  // port 80 is not the listen port
  BOOST_TEST(h.allows("proxy.example:443"));
  BOOST_TEST(!h.allows("proxy.example:8641"));
  BOOST_TEST(h.allows("[2001:db8::5]:8641"));
  BOOST_TEST(!h.allows("localhost:8641"));  // not bound on loopback
  auto p80 = hosts_for("127.0.0.1:80");
  BOOST_TEST(p80.allows("localhost"));  // browsers omit :80
  BOOST_TEST(p80.allows("localhost:80"));
}

BOOST_AUTO_TEST_CASE(a_wildcard_address_answers_ip_literals_but_not_names) {
  auto h = hosts_for("0.0.0.0:8641");
  BOOST_TEST(h.allows("192.0.2.7:8641"));
  BOOST_TEST(h.allows("[2001:db8::7]:8641"));
  BOOST_TEST(h.allows("localhost:8641"));
  BOOST_TEST(!h.allows("192.0.2.7:8642"));
  BOOST_TEST(!h.allows("evil.example:8641"));
}

BOOST_AUTO_TEST_CASE(configured_entries_are_validated) {
  for (auto ok : {"master.example", "master.example:8080", "10.0.0.1", "[::1]:80", "m-1"}) {
    BOOST_TEST(validate_allowed_host(ok).has_value(), ok);
  }
  for (auto bad : {"", "a b", "x:0", "x:99999", "[::1", "::1", "evil/", "-x", "a:b:c", "x:"}) {
    BOOST_TEST(!validate_allowed_host(bad), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
