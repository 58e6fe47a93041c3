// SPDX-License-Identifier: Apache-2.0
#include "core/fs/record_file.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "core/fs/durable_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;

namespace {

std::string trimmed(const std::filesystem::path& path) {
  auto text = read_file(path).value();
  return text.substr(0, text.find_last_not_of(' ') + 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(files)

// Each write replaces the record; the file keeps one size (whole sectors),
// so a shorter record leaves no tail of the longer one behind.
BOOST_AUTO_TEST_CASE(a_record_is_overwritten_in_place) {
  test::temp_dir dir;
  auto path = dir / "src.position";
  record_file f(path);
  BOOST_REQUIRE(f.write(R"({"offset":123456789})", true).has_value());
  BOOST_TEST(trimmed(path) == R"({"offset":123456789})");
  BOOST_TEST(std::filesystem::file_size(path) == record_file::k_sector);
  BOOST_REQUIRE(f.write(R"({"offset":1})", false).has_value());
  BOOST_TEST(trimmed(path) == R"({"offset":1})");
  BOOST_TEST(std::filesystem::file_size(path) == record_file::k_sector);

  // Longer than a sector: whole sectors, and the file never shrinks again.
  std::string big(700, 'x');
  BOOST_REQUIRE(f.write(big, true).has_value());
  BOOST_TEST(std::filesystem::file_size(path) == 2 * record_file::k_sector);
  BOOST_REQUIRE(f.write("y", true).has_value());
  BOOST_TEST(trimmed(path) == "y");
  BOOST_TEST(std::filesystem::file_size(path) == 2 * record_file::k_sector);
}

// A record written by an earlier process (or the older, unpadded format) is
// overwritten whole by the next one.
BOOST_AUTO_TEST_CASE(a_record_file_continues_an_existing_file) {
  test::temp_dir dir;
  auto path = dir / "src.position";
  BOOST_REQUIRE(write_file_atomic(path, std::string(600, 'o')).has_value());
  record_file f(path);
  BOOST_REQUIRE(f.write("new", true).has_value());
  BOOST_TEST(trimmed(path) == "new");
  BOOST_TEST(std::filesystem::file_size(path) == 2 * record_file::k_sector);
}

// The first write makes a missing folder; a folder that cannot be made is
// reported by name.
BOOST_AUTO_TEST_CASE(a_record_file_makes_its_folder_or_says_why_not) {
  test::temp_dir dir;
  record_file made(dir / "positions" / "src.position");
  BOOST_REQUIRE(made.write("x", true).has_value());
  BOOST_TEST(trimmed(dir / "positions" / "src.position") == "x");

  BOOST_REQUIRE(write_file_atomic(dir / "a-file", "not a folder").has_value());
  record_file blocked(dir / "a-file" / "src.position");
  auto ok = blocked.write("x", true);
  BOOST_REQUIRE(!ok.has_value());
  BOOST_TEST(ok.error().message.find("a-file") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
