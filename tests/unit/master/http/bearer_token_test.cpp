// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/bearer_token.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/temp_dir.hpp"

using namespace peranda::master;
namespace fs = std::filesystem;

namespace {

constexpr auto k_owner_only = fs::perms::owner_read | fs::perms::owner_write;

fs::path token_file(const peranda::test::temp_dir& dir, const std::string& text,
                    fs::perms mode = k_owner_only) {
  auto p = dir / "token";
  std::ofstream(p) << text;
  fs::permissions(p, mode);
  return p;
}

std::string error_of(const fs::path& p,
                     token_file_owner owner = token_file_owner::this_user_or_root) {
  auto r = read_token_file(p, owner);
  return r ? "" : r.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_bearer_token)

BOOST_AUTO_TEST_CASE(the_first_line_is_the_token) {
  peranda::test::temp_dir dir;
  auto p = token_file(dir, "0123456789abcdef-x\nsecond line\n");
  BOOST_TEST(read_token_file(p, token_file_owner::this_user_or_root).value() ==
             "0123456789abcdef-x");
  // Group-readable is allowed, for operators running peranda-ctl.
  fs::permissions(p, k_owner_only | fs::perms::group_read);
  BOOST_TEST(read_token_file(p, token_file_owner::this_user_or_root).has_value());
}

BOOST_AUTO_TEST_CASE(unsafe_files_are_refused_naming_the_file) {
  peranda::test::temp_dir dir;
  auto p = token_file(dir, "0123456789abcdef-x\n");
  auto link = dir / "link";
  fs::create_symlink(p, link);
  BOOST_TEST(error_of(link) == "'" + link.string() + "' is a symbolic link; name the file itself");
  BOOST_TEST(error_of(link, token_file_owner::anyone).find("symbolic link") != std::string::npos);
  fs::permissions(p, k_owner_only | fs::perms::group_write);
  BOOST_TEST(error_of(p) == "'" + p.string() + "' is writable by group or others; chmod go-w it");
  fs::permissions(p, k_owner_only | fs::perms::others_write);
  BOOST_TEST(error_of(p).find("writable by group or others") != std::string::npos);
  fs::permissions(p, k_owner_only | fs::perms::others_read);
  BOOST_TEST(error_of(p) == "'" + p.string() + "' is readable by others; chmod o-r it");
  BOOST_TEST(error_of(dir.path()).find("is not a regular file") != std::string::npos);
  BOOST_TEST(error_of(dir / "missing").find("cannot open '" + (dir / "missing").string()) == 0u);
  auto fifo = dir / "fifo";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  BOOST_TEST(error_of(fifo).find("is not a regular file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(short_odd_or_huge_tokens_are_refused) {
  peranda::test::temp_dir dir;
  BOOST_TEST(error_of(token_file(dir, "short\n")).find("shorter than 16") != std::string::npos);
  BOOST_TEST(error_of(token_file(dir, "0123456789abcdef with space\n")).find("visible ASCII") !=
             std::string::npos);
  BOOST_TEST(error_of(token_file(dir, std::string(5000, 'x'))).find("larger than") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(files_of_other_users_are_refused_by_the_master_only) {
  if (::geteuid() != 0) return;  // only root can hand a file to another user
  peranda::test::temp_dir dir;
  auto p = token_file(dir, "0123456789abcdef-x\n");
  BOOST_REQUIRE(::chown(p.c_str(), 65534, 65534) == 0);
  BOOST_TEST(error_of(p).find("is owned by uid 65534") != std::string::npos);
  BOOST_TEST(read_token_file(p, token_file_owner::anyone).has_value());
}

BOOST_AUTO_TEST_CASE(bearer_compare_needs_scheme_and_exact_token) {
  const std::string t = "0123456789abcdef-token";
  BOOST_TEST(bearer_matches("Bearer " + t, t));
  BOOST_TEST(bearer_matches("bearer " + t, t));
  BOOST_TEST(!bearer_matches(t, t));
  BOOST_TEST(!bearer_matches("Basic " + t, t));
  BOOST_TEST(!bearer_matches("Bearer " + t + " ", t));
  BOOST_TEST(!bearer_matches("Bearer " + t.substr(1), t));
  BOOST_TEST(!bearer_matches("Bearer ", t));
  BOOST_TEST(!bearer_matches("", t));
  BOOST_TEST(!bearer_matches("Bearer ", ""));
}

BOOST_AUTO_TEST_SUITE_END()
