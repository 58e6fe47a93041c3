// SPDX-License-Identifier: Apache-2.0
#include "master-service/storage/storage_layout.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/temp_dir.hpp"

using namespace peranda::master;

namespace {

// 2024-03-05T12:00:00Z
constexpr std::uint64_t k_ms = 1709640000000ull;

}  // namespace

BOOST_AUTO_TEST_SUITE(master_storage_layout)

BOOST_AUTO_TEST_CASE(the_default_is_per_ip_then_per_node) {
  storage_layout l("/data", "{ip}/{node}");
  BOOST_TEST(l.final_path("n1", "10.0.0.1", "app.log", k_ms).value() ==
             "/data/10.0.0.1/n1/app.log");
}

BOOST_AUTO_TEST_CASE(without_node_in_the_template_names_carry_the_node) {
  storage_layout l("/data", "{ip}/{date}");
  BOOST_TEST(l.final_path("n1", "10.0.0.1", "app.log", k_ms).value() ==
             "/data/10.0.0.1/2024-03-05/n1_app.log");
  BOOST_TEST(l.final_path("n2", "10.0.0.1", "app.log", k_ms).value() ==
             "/data/10.0.0.1/2024-03-05/n2_app.log");
}

BOOST_AUTO_TEST_CASE(expanded_parts_are_sanitised_and_stay_inside) {
  storage_layout l("/data", "{ip}/{node}");
  auto p = l.final_path("n1", "../../etc", "..passwd", k_ms).value();
  BOOST_TEST(p.string().starts_with("/data/"));
  for (const auto& part : p) BOOST_TEST((part != ".." && part != "."));
  BOOST_TEST(p == "/data/_.._etc/n1/passwd");
  auto v6 = l.final_path("n1", "fe80::1", "a.log", k_ms).value();
  BOOST_TEST(v6 == "/data/fe80__1/n1/a.log");
  // No stand-in folder for an IP not known yet: the file would be stored
  // again under the real IP later.
  BOOST_TEST(l.final_path("n1", "", "a.log", k_ms).error().message ==
             "the IP of node 'n1' is not known yet");
}

BOOST_AUTO_TEST_CASE(part_and_alternate_names) {
  std::filesystem::path f = "/data/ip/n/a.log";
  BOOST_TEST(storage_layout::part_path(f, "t1") == "/data/ip/n/a.log.t1.part");
  BOOST_TEST(storage_layout::alternate_path(f, std::string(64, 'b')) ==
             "/data/ip/n/a.log.bbbbbbbbbbbb");
}

BOOST_AUTO_TEST_CASE(leftover_parts_are_removed_and_nothing_else) {
  peranda::test::temp_dir dir;
  std::filesystem::create_directories(dir / "ip" / "n");
  std::ofstream(dir / "ip" / "n" / "a.log.t1.part") << "half";
  std::ofstream(dir / "ip" / "n" / "a.log") << "whole";
  storage_layout l(dir.path(), "{ip}/{node}");
  BOOST_TEST(l.remove_leftover_parts() == 1u);
  BOOST_TEST(std::filesystem::exists(dir / "ip" / "n" / "a.log"));
  BOOST_TEST(!std::filesystem::exists(dir / "ip" / "n" / "a.log.t1.part"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(master_storage_layout_dirs)

BOOST_AUTO_TEST_CASE(new_directories_are_created_inside_data_dir) {
  peranda::test::temp_dir dir;
  storage_layout l(dir.path(), "{ip}/{node}");
  auto target = dir / "10.0.0.1" / "n1";
  BOOST_REQUIRE(l.ensure_durable_directory(target));
  BOOST_TEST(std::filesystem::is_directory(target));
  BOOST_TEST(l.ensure_durable_directory(target).has_value());  // idempotent
  std::ofstream(dir / "blocker") << "x";
  BOOST_TEST(!l.ensure_durable_directory(dir / "blocker" / "n2"));
}

BOOST_AUTO_TEST_SUITE_END()
