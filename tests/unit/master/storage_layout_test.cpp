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

// Without a `{node}` level every node still gets a folder: a `<node>_`
// prefix was ambiguous ('_' is legal in node ids), so node-a's `b_x.log`
// took node-a_b's `x.log`.
BOOST_AUTO_TEST_CASE(without_a_node_level_every_node_gets_a_folder) {
  storage_layout l("/data", "{ip}/{date}");
  BOOST_TEST(l.final_path("n1", "10.0.0.1", "app.log", k_ms).value() ==
             "/data/10.0.0.1/2024-03-05/n1/app.log");
  BOOST_TEST(l.final_path("node-a", "10.0.0.1", "b_x.log", k_ms).value() !=
             l.final_path("node-a_b", "10.0.0.1", "x.log", k_ms).value());
  storage_layout mixed("/data", "{node}-{ip}");
  BOOST_TEST(mixed.final_path("a", "b-c", "x.log", k_ms).value() !=
             mixed.final_path("a-b", "c", "x.log", k_ms).value());
}

BOOST_AUTO_TEST_CASE(stored_names_are_no_options_and_no_hidden_files) {
  storage_layout l("/data", "{ip}/{node}");
  BOOST_TEST(l.final_path("n1", "ip", "-rf", k_ms).value() == "/data/ip/n1/_-rf");
  BOOST_TEST(l.final_path("n1", "ip", ".x.part", k_ms).value() == "/data/ip/n1/x.part");
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
  BOOST_TEST(storage_layout::part_path(f, "m-1.a", "t1") == "/data/ip/n/.m-1.a~t1.part");
  BOOST_TEST(storage_layout::alternate_path(f, std::string(64, 'b')) ==
             "/data/ip/n/a.log.bbbbbbbbbbbb");
}

// A node's file named `x.part` is a stored file like any other, and the
// parts of another master sharing the data_dir are its own.
BOOST_AUTO_TEST_CASE(leftover_parts_are_removed_and_nothing_else) {
  peranda::test::temp_dir dir;
  std::filesystem::create_directories(dir / "ip" / "n");
  std::ofstream(dir / "ip" / "n" / ".m1~t1.part") << "half";
  std::ofstream(dir / "ip" / "n" / ".t0.part") << "half, of an earlier release";
  std::ofstream(dir / "ip" / "n" / ".m1.b~t2.part") << "another master's";
  std::ofstream(dir / "ip" / "n" / ".m~t3.part") << "another master's";
  std::ofstream(dir / "ip" / "n" / "a.log") << "whole";
  std::ofstream(dir / "ip" / "n" / "x.part") << "stored";
  storage_layout l(dir.path(), "{ip}/{node}");
  BOOST_TEST(l.remove_leftover_parts("m1") == 2u);
  BOOST_TEST(std::filesystem::exists(dir / "ip" / "n" / "a.log"));
  BOOST_TEST(std::filesystem::exists(dir / "ip" / "n" / "x.part"));
  BOOST_TEST(std::filesystem::exists(dir / "ip" / "n" / ".m1.b~t2.part"));
  BOOST_TEST(std::filesystem::exists(dir / "ip" / "n" / ".m~t3.part"));
  BOOST_TEST(!std::filesystem::exists(dir / "ip" / "n" / ".m1~t1.part"));
  BOOST_TEST(!std::filesystem::exists(dir / "ip" / "n" / ".t0.part"));
}

// `F.<sha12>` may be another stored file (or one created meanwhile): store()
// takes the next free name and never replaces one.
BOOST_AUTO_TEST_CASE(store_never_replaces_a_file) {
  peranda::test::temp_dir dir;
  auto final = dir / "a.log";
  std::string sha(64, 'c');
  auto alternate = storage_layout::alternate_path(final, sha);
  std::ofstream(final) << "first";
  std::ofstream(alternate) << "second";
  for (const auto* expected : {"a.log.cccccccccccc.1", "a.log.cccccccccccc.2"}) {
    auto part = dir / ".t.part";
    std::ofstream(part) << "third";
    auto stored = storage_layout::store(part, final, sha);
    BOOST_REQUIRE(stored);
    BOOST_TEST(stored->filename() == expected);
    BOOST_TEST(!std::filesystem::exists(part));
  }
  auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  BOOST_TEST(read(final) == "first");
  BOOST_TEST(read(alternate) == "second");
  auto fresh = dir / "b.log";
  std::ofstream(dir / ".u.part") << "b";
  BOOST_TEST(storage_layout::store(dir / ".u.part", fresh, sha).value() == fresh);
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
