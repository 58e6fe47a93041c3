// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/service_notifier.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace peranda {
namespace {

// Sets environment variables for one test and restores them after.
struct scoped_env {
  std::vector<std::string> names;
  void set(const std::string& name, const std::string& value) {
    names.push_back(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~scoped_env() {
    for (const auto& n : names) ::unsetenv(n.c_str());
  }
};

struct listener {
  test::temp_dir dir;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  listener() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", (dir / "sock").c_str());
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~listener() { ::close(fd); }
  // sd_notify sends synchronously: what it sent is already queued here.
  std::vector<std::string> received() {
    std::vector<std::string> out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.emplace_back(buf, n);
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_service_notifier)

BOOST_AUTO_TEST_CASE(speaks_the_sd_notify_protocol) {
  listener l;
  scoped_env env;
  env.set("NOTIFY_SOCKET", (l.dir / "sock").string());
  env.set("WATCHDOG_USEC", "4000000");
  service_notifier n;
  BOOST_CHECK(n.watchdog_enabled());
  BOOST_CHECK_EQUAL(n.watchdog_interval().count(), 2000);

  n.ready("connected\nto broker");
  n.status("same");
  n.status("same");  // unchanged: not sent again
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  n.watchdog_ping(t0);
  n.watchdog_ping(t0 + std::chrono::milliseconds(1999));  // within the interval: not sent again
  n.watchdog_ping(t0 + std::chrono::milliseconds(2000));
  n.reloading();
  n.stopping();
  auto got = l.received();
  BOOST_REQUIRE_EQUAL(got.size(), 6u);
  BOOST_CHECK_EQUAL(got[0], "READY=1\nSTATUS=connected to broker");
  BOOST_CHECK_EQUAL(got[1], "STATUS=same");
  BOOST_CHECK_EQUAL(got[2], "WATCHDOG=1");
  BOOST_CHECK_EQUAL(got[3], "WATCHDOG=1");
  BOOST_CHECK(got[4].starts_with("RELOADING=1\n"));
  BOOST_CHECK(got[5].starts_with("STOPPING=1\n"));
}

BOOST_AUTO_TEST_CASE(without_systemd_everything_is_a_no_op) {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  service_notifier n;
  BOOST_CHECK(!n.watchdog_enabled());
  n.ready("x");
  n.watchdog_ping(std::chrono::steady_clock::now());
  n.stopping();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda
