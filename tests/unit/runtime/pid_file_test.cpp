// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/pid_file.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/temp_dir.hpp"

namespace peranda {

BOOST_AUTO_TEST_SUITE(runtime_pid_file)

BOOST_AUTO_TEST_CASE(holds_our_pid_refuses_a_second_owner_and_removes_itself) {
  test::temp_dir dir;
  auto path = dir / "x.pid";
  {
    auto first = pid_file::acquire(path);
    BOOST_REQUIRE(first);
    BOOST_REQUIRE((*first)->write_pid());
    BOOST_CHECK_EQUAL(read_pid(path), ::getpid());
    // flock locks belong to the open file description: a second open in
    // the same process conflicts just like another process would.
    auto second = pid_file::acquire(path);
    BOOST_REQUIRE(!second);
    BOOST_CHECK_MESSAGE(
        second.error().message.find("already running as pid " + std::to_string(::getpid())) !=
            std::string::npos,
        second.error().message);
  }
  BOOST_CHECK(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(a_stale_file_without_a_lock_is_taken_over) {
  test::temp_dir dir;
  auto path = dir / "x.pid";
  std::ofstream(path) << "999999\n";
  auto taken = pid_file::acquire(path);
  BOOST_REQUIRE(taken);
  BOOST_REQUIRE((*taken)->write_pid());
  BOOST_CHECK_EQUAL(read_pid(path), ::getpid());
}

BOOST_AUTO_TEST_CASE(an_unwritable_place_is_a_clear_error) {
  auto missing = pid_file::acquire("/nonexistent-dir/x.pid");
  BOOST_REQUIRE(!missing);
  BOOST_CHECK(missing.error().message.find("/nonexistent-dir/x.pid") != std::string::npos);
  BOOST_CHECK_EQUAL(read_pid("/nonexistent-dir/x.pid"), 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda
