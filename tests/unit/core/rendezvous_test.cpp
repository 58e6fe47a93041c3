// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/ownership/rendezvous.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

using namespace peranda::protocol;

namespace {

std::vector<std::string> node_ids(unsigned n) {
  std::vector<std::string> out;
  for (unsigned i = 0; i < n; ++i) out.push_back(fmt::format("node-{}", i));
  return out;
}

std::map<std::string, std::string> owners(const std::vector<std::string>& nodes,
                                          const std::vector<std::string>& masters) {
  std::map<std::string, std::string> out;
  for (const auto& n : nodes) out[n] = rendezvous_owner(n, masters).value();
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rendezvous)

// The byte-exact rule of docs/protocol.md: a peer in another language
// computes the same weights (sha256(b"master-a\nnode-1")[:8], big-endian).
BOOST_AUTO_TEST_CASE(weight_is_the_documented_sha256_prefix) {
  BOOST_TEST(rendezvous_weight("master-a", "node-1") == 0x9aa98aae62a6a975ull);
  BOOST_TEST(rendezvous_weight("master-b", "node-1") == 0xadcd494eb502f12eull);
  std::vector<std::string> both{"master-a", "master-b"};
  BOOST_TEST(rendezvous_owner("node-1", both).value() == "master-b");
}

BOOST_AUTO_TEST_CASE(no_masters_no_owner_and_order_does_not_matter) {
  BOOST_TEST(!rendezvous_owner("n1", {}).has_value());
  std::vector<std::string> a{"m1", "m2", "m3"};
  std::vector<std::string> b{"m3", "m1", "m2"};
  for (const auto& n : node_ids(500)) {
    BOOST_TEST(rendezvous_owner(n, a).value() == rendezvous_owner(n, b).value());
  }
}

// Adding a master moves to it only nodes it gains, about 1/(k+1) of them;
// removing it moves back exactly those, nothing else.
BOOST_AUTO_TEST_CASE(adding_or_removing_a_master_moves_only_its_nodes) {
  auto nodes = node_ids(10'000);
  std::vector<std::string> three{"m1", "m2", "m3"};
  std::vector<std::string> four{"m1", "m2", "m3", "m4"};
  auto before = owners(nodes, three);
  auto after = owners(nodes, four);
  unsigned moved = 0;
  for (const auto& n : nodes) {
    if (before[n] == after[n]) continue;
    ++moved;
    BOOST_TEST(after[n] == "m4");  // a node moves only to the newcomer
  }
  BOOST_TEST_MESSAGE("adding a 4th master moved " << moved << " of 10000 nodes");
  BOOST_TEST(moved > 2000u);  // ~2500 expected: the newcomer takes its share
  BOOST_TEST(moved < 3000u);
  // Losing m2 moves only m2's nodes, and spreads them over the others.
  std::vector<std::string> without_m2{"m1", "m3", "m4"};
  auto lost = owners(nodes, without_m2);
  std::map<std::string, unsigned> heirs;
  for (const auto& n : nodes) {
    if (after[n] == "m2") {
      ++heirs[lost[n]];
    } else {
      BOOST_TEST(lost[n] == after[n]);
    }
  }
  BOOST_TEST(heirs.size() == 3u);
  for (const auto& [m, count] : heirs) BOOST_TEST(count > 600u, m << " took " << count);
}

BOOST_AUTO_TEST_CASE(shares_are_balanced) {
  std::vector<std::string> two{"master-1", "master-2"};
  unsigned first = 0;
  for (const auto& n : node_ids(10'000)) first += rendezvous_owner(n, two) == "master-1";
  BOOST_TEST(first > 4700u);
  BOOST_TEST(first < 5300u);
}

BOOST_AUTO_TEST_CASE(separator_keeps_concatenations_apart) {
  // Without the newline "ab"+"c" and "a"+"bc" would hash alike.
  BOOST_TEST(rendezvous_weight("ab", "c") != rendezvous_weight("a", "bc"));
  BOOST_TEST(rendezvous_weight("", "") != 0u);
}

BOOST_AUTO_TEST_SUITE_END()
