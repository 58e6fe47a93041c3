// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/group_commit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>

#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::master;

BOOST_AUTO_TEST_SUITE(master_group_commit)

BOOST_AUTO_TEST_CASE(what_waits_together_costs_one_fsync_and_all_of_it_runs) {
  test::temp_dir dir;
  int fd = ::open((dir / "f").c_str(), O_WRONLY | O_CREAT, 0600);
  BOOST_REQUIRE(fd >= 0);
  std::atomic<int> ran{0}, errors{0};
  {
    group_commit commit([&](const std::string&) { ++errors; });
    // Queued before the thread starts: the first batch holds all of them.
    for (int i = 0; i < 50; ++i) commit.after_sync([&] { ++ran; });
    commit.start(fd);
    commit.stop();
    BOOST_TEST(commit.syncs() == 1u);
    // After stop, what is queued still runs once synced.
    commit.after_sync([&] { ++ran; });
    commit.stop();
    BOOST_TEST(commit.syncs() == 2u);
  }
  BOOST_TEST(ran.load() == 51);
  BOOST_TEST(errors.load() == 0);
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(a_failed_fsync_is_reported_and_its_batch_never_runs) {
  int pipe_fds[2];
  BOOST_REQUIRE(::pipe(pipe_fds) == 0);  // fdatasync on a pipe fails with EINVAL
  std::atomic<int> ran{0};
  std::string error;
  group_commit commit([&](const std::string& e) { error = e; });
  commit.after_sync([&] { ++ran; });
  commit.start(pipe_fds[1]);
  commit.stop();
  BOOST_TEST(ran.load() == 0);
  BOOST_TEST(error.find("fdatasync") != std::string::npos);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

BOOST_AUTO_TEST_SUITE_END()
