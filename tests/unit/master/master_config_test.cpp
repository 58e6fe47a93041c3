// SPDX-License-Identifier: Apache-2.0
#include "master-service/master_config.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace peranda::master;

namespace {

result<master_config> build(const std::string& master_section) {
  auto doc = config_document::parse("[master]\nid = \"m1\"\n" + master_section, "test.toml",
                                    master_keys());
  if (!doc) return std::unexpected(doc.error());
  return build_master_config(*doc);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(master_config_keys)

BOOST_AUTO_TEST_CASE(defaults_are_sane) {
  auto c = build("");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->storage_template == "{ip}/{node}");
  BOOST_TEST(c->max_transfers * c->window <= k_max_invited_chunks);
  BOOST_TEST(c->alarm_journal == c->data_dir / "alarms.jsonl");
  BOOST_TEST(c->alarm_hook.empty());
}

BOOST_AUTO_TEST_CASE(what_the_master_invites_is_bounded) {
  BOOST_TEST(!build("max_transfers = 64\nwindow = 8"));
  BOOST_TEST(build("max_transfers = 32\nwindow = 8").has_value());
  BOOST_TEST(!build("window = 65"));
  BOOST_TEST(!build("chunk_size = \"2MiB\""));
}

BOOST_AUTO_TEST_CASE(upload_quotas_are_positive_and_consistent) {
  auto c = build("");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->max_pull_bytes == 4ull << 30);
  BOOST_TEST(c->max_daily_bytes == 32ull << 30);
  BOOST_TEST(!build("max_pull_bytes = 0"));
  BOOST_TEST(!build("max_pull_bytes = \"2GiB\"\nmax_daily_bytes = \"1GiB\""));
  BOOST_TEST(build("max_pull_bytes = \"1GiB\"\nmax_daily_bytes = \"1GiB\"").has_value());
}

BOOST_AUTO_TEST_CASE(the_storage_template_stays_relative) {
  BOOST_TEST(!build("storage_template = \"/etc\""));
  BOOST_TEST(!build("storage_template = \"{ip}/../x\""));
  auto c = build("storage_template = \"{ip}/{date}\"\nalarm_hook = [\"/bin/true\"]");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->alarm_hook == std::vector<std::string>{"/bin/true"});
}

BOOST_AUTO_TEST_CASE(alarm_limits_and_rotation_are_read_and_bounded) {
  auto c = build(
      "alarm_rate = 5\nalarm_burst = 50\nalarm_max_bytes = \"2KiB\"\n"
      "alarm_journal_max_bytes = \"1MiB\"\nalarm_journal_max_age = \"2h\"\n"
      "alarm_journal_keep = 4");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->alarm_rate == 5u);
  BOOST_TEST(c->alarm_burst == 50u);
  BOOST_TEST(c->alarm_max_bytes == 2048u);
  BOOST_TEST(c->alarm_journal_limits.max_bytes == 1u << 20);
  BOOST_TEST((c->alarm_journal_limits.max_age == std::chrono::hours(2)));
  BOOST_TEST(c->alarm_journal_limits.keep == 4u);
  BOOST_TEST(!build("alarm_rate = 0"));
  BOOST_TEST(!build("alarm_burst = 0"));
  BOOST_TEST(!build("alarm_max_bytes = 100"));
  BOOST_TEST(!build("alarm_journal_max_bytes = \"1KiB\""));
  BOOST_TEST(!build("alarm_journal_max_age = \"10ms\""));
  BOOST_TEST(!build("alarm_journal_keep = 0"));
  auto error = build("alarm_rate = 0").error().message;
  BOOST_TEST(error.find("alarm_rate") != std::string::npos, error);
}

BOOST_AUTO_TEST_SUITE_END()
