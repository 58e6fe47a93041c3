// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "core/fs/durable_file.hpp"
#include "core/fs/safe_path.hpp"
#include "core/fs/sha256.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;

BOOST_AUTO_TEST_SUITE(files)

BOOST_AUTO_TEST_CASE(safe_names) {
  BOOST_TEST(is_safe_file_name("spool-000001.log"));
  for (const char* bad : {"", ".", "..", ".hidden", "a/b", "a\\b", "a b", "a\nb"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!is_safe_file_name(bad)); }
  }
  BOOST_TEST(sanitize_file_name("../../etc/passwd") == "_.._etc_passwd");
  BOOST_TEST(sanitize_file_name("..") == "_");
  BOOST_TEST(is_safe_file_name(sanitize_file_name("\x01\x02/..")));
}

BOOST_AUTO_TEST_CASE(join_inside_never_escapes) {
  BOOST_TEST(join_inside("/data", "10.0.0.1/web-01/a.log").value() == "/data/10.0.0.1/web-01/a.log");
  for (const char* bad : {"../x", "a/../../x", "/etc/passwd", "a/./b", "", ".."}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!join_inside("/data", bad).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(atomic_write_and_hash) {
  test::temp_dir dir;
  auto file = dir / "state";
  BOOST_TEST(write_file_atomic(file, "one").has_value());
  BOOST_TEST(write_file_atomic(file, "two").has_value());
  BOOST_TEST(read_file(file).value() == "two");
  BOOST_TEST(!std::filesystem::exists(dir / "state.tmp"));
  BOOST_TEST(sha256_hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256_file_hex(file).value() == sha256_hex("two"));
  BOOST_TEST(!sha256_file_hex(dir / "missing").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
