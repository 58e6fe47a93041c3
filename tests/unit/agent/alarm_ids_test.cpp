// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_ids.hpp"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <regex>
#include <set>

#include "core/fs/durable_file.hpp"
#include "core/protocol/identifiers.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;

BOOST_AUTO_TEST_SUITE(agent_alarm_ids)

BOOST_AUTO_TEST_CASE(random_ids_fit_the_grammar_and_never_repeat) {
  const std::regex shape("a[0-9a-f]{32}");
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    auto id = random_alarm_id();
    BOOST_REQUIRE(id.has_value());
    BOOST_REQUIRE(std::regex_match(*id, shape));
    BOOST_REQUIRE(protocol::validate_token_id(*id).has_value());
    BOOST_REQUIRE(seen.insert(*id).second);
  }
}

// The key survives a restart (same line, same id), is private to the
// agent's user, and another key (another agent, or the attacker's guess)
// gives other ids.
BOOST_AUTO_TEST_CASE(line_ids_are_stable_per_key_and_differ_between_keys) {
  test::temp_dir dir;
  auto file = dir / "id.key";
  auto key = load_or_create_id_key(file);
  BOOST_REQUIRE(key.has_value());
  BOOST_TEST(key->size() == 32u);
  struct stat st {};
  BOOST_REQUIRE(::stat(file.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_TEST(*load_or_create_id_key(file) == *key);

  auto id = line_alarm_id(*key, "node-b\nrule\napp\n2049:77:1700\n42\n0");
  BOOST_TEST(id.size() == 41u);
  BOOST_TEST(protocol::validate_token_id(id).has_value());
  BOOST_TEST(line_alarm_id(*key, "node-b\nrule\napp\n2049:77:1700\n42\n0") == id);
  BOOST_TEST(line_alarm_id(*key, "node-b\nrule\napp\n2049:77:1700\n43\n0") != id);
  BOOST_TEST(line_alarm_id(std::string(32, '0'), "node-b\nrule\napp\n2049:77:1700\n42\n0") != id);

  // A damaged key file is replaced, not trusted.
  BOOST_REQUIRE(write_file_atomic(file, "short"));
  auto fresh = load_or_create_id_key(file);
  BOOST_REQUIRE(fresh.has_value());
  BOOST_TEST(*fresh != *key);
  test::temp_dir other;
  BOOST_TEST(*load_or_create_id_key(other / "id.key") != *fresh);
}

BOOST_AUTO_TEST_SUITE_END()
