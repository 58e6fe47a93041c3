// SPDX-License-Identifier: Apache-2.0
// systemd integration: every unit passes `systemd-analyze verify`, and the
// programs speak sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING)
// to a $NOTIFY_SOCKET the test listens on, as systemd would.
#define BOOST_TEST_MODULE ops_systemd
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <optional>

#include "tests/support/ops_support.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/temp_dir.hpp"

namespace peranda::test {
namespace {

// What systemd does for Type=notify: a datagram socket in the filesystem.
class notify_socket {
 public:
  explicit notify_socket(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~notify_socket() { ::close(fd_); }

  std::string env() const { return "NOTIFY_SOCKET=" + path_.string(); }

  // Everything received so far, one datagram per entry.
  const std::vector<std::string>& messages() {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) messages_.emplace_back(buf, n);
    return messages_;
  }
  // Index of the first datagram at or after `from` containing `part`, or -1.
  int find(const std::string& part, std::size_t from = 0) {
    const auto& all = messages();
    for (std::size_t i = from; i < all.size(); ++i) {
      if (all[i].find(part) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
  }
  std::string dump() {
    std::string out;
    for (const auto& m : messages()) out += "[" + m + "] ";
    return out;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

// A broker, a notify socket and an agent `n1` under it, configured with
// `sources` and started with `env` besides $NOTIFY_SOCKET.
struct notified_agent {
  notified_agent(const std::string& sources, std::vector<std::string> env)
      : mqtt(dir / "broker"), sock(dir / "notify") {
    auto config = dir / "agent.toml";
    write_text(config, "[broker]\nurl = \"" + mqtt.url() + "\"\n[agent]\nnode_id = \"n1\"\n" +
                           "spool_dir = \"" + (dir / "spool").string() + "\"\n" + sources);
    env.push_back(sock.env());
    agent.emplace(std::vector<std::string>{program("peranda-agent"), "--config", config.string()},
                  dir / "agent.log", std::move(env));
  }
  temp_dir dir;
  broker mqtt;
  notify_socket sock;
  std::optional<child_process> agent;
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_unit_passes_systemd_analyze_verify) {
  const std::filesystem::path tool = "/usr/bin/systemd-analyze";
  if (!std::filesystem::exists(tool)) {
    BOOST_TEST_MESSAGE("systemd-analyze not installed: unit verification skipped");
    return;
  }
  temp_dir dir;
  // verify checks that ExecStart= programs exist: point the units at the
  // build tree and the source tree's scripts, nothing else changed.
  std::string bin = std::filesystem::path(program("peranda-agent")).parent_path().string() + "/";
  int units = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source_path("deploy/systemd"))) {
    if (entry.path().extension() != ".service") continue;
    auto text = read_text(entry.path());
    for (auto [from, to] : {std::pair<std::string, std::string>{"/usr/bin/", bin},
                            {"/usr/lib/peranda/agent/", source_path("deploy/scripts/")},
                            {"/usr/lib/peranda/master/", source_path("deploy/scripts/")}}) {
      for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), to);
      }
    }
    auto copy = dir / entry.path().filename();
    write_text(copy, text);
    auto result = run({tool.string(), "verify", "--man=no", copy.string()},
                      dir / (entry.path().filename().string() + ".log"));
    BOOST_TEST_CONTEXT(entry.path().filename()) {
      BOOST_CHECK_MESSAGE(result.status == 0, result.output);
      // Unknown keys and bad values are only warnings: treat them as errors.
      BOOST_CHECK_MESSAGE(result.output.empty(), result.output);
    }
    ++units;
  }
  BOOST_CHECK_EQUAL(units, 4);
}

BOOST_AUTO_TEST_CASE(agent_status_says_which_source_fails) {
  notified_agent n(
      "[[source]]\ntype = \"exec\"\nname = \"broken\"\ninterval = \"200ms\"\n"
      "command = [\"/bin/false\"]\n",
      {});
  BOOST_CHECK_MESSAGE(
      wait_until([&] { return n.sock.find("health degraded: source_failing") >= 0; }),
      n.sock.dump() + n.agent->log());
  BOOST_CHECK_EQUAL(n.agent->stop(), 0);
}

BOOST_AUTO_TEST_CASE(agent_tells_systemd_ready_status_watchdog_reloading_and_stopping) {
  notified_agent n("", {"WATCHDOG_USEC=1000000"});
  auto& sock = n.sock;
  auto& agent = *n.agent;

  BOOST_REQUIRE_MESSAGE(wait_until([&] { return sock.find("READY=1") >= 0; }),
                        sock.dump() + agent.log());
  int ready = sock.find("READY=1");
  BOOST_CHECK_MESSAGE(
      sock.messages()[ready].find("STATUS=node 'n1' connected to") != std::string::npos,
      sock.dump());
  BOOST_CHECK_MESSAGE(sock.messages()[ready].find("; health ok") != std::string::npos, sock.dump());
  BOOST_CHECK_MESSAGE(wait_until([&] { return sock.find("WATCHDOG=1") >= 0; }), sock.dump());

  ::kill(agent.pid(), SIGHUP);
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return sock.find("RELOADING=1") >= 0; }), sock.dump());
  auto reloading = static_cast<std::size_t>(sock.find("RELOADING=1"));
  BOOST_CHECK_MESSAGE(wait_until([&] { return sock.find("READY=1", reloading) >= 0; }),
                      sock.dump());

  BOOST_CHECK_EQUAL(agent.stop(), 0);
  BOOST_CHECK_MESSAGE(sock.find("STOPPING=1") >= 0, sock.dump());
}

BOOST_AUTO_TEST_CASE(master_without_a_broker_becomes_ready_only_when_it_connects) {
  temp_dir dir;
  notify_socket sock(dir / "notify");
  auto port = free_port();
  auto config = dir / "master.toml";
  write_text(config, "[broker]\nurl = \"tcp://127.0.0.1:" + std::to_string(port) +
                         "\"\n[master]\nid = \"m1\"\ndata_dir = \"" + (dir / "data").string() +
                         "\"\nhttp_listen = \"127.0.0.1:" + std::to_string(free_port()) + "\"\n");
  child_process master({program("peranda-master"), "--config", config.string()}, dir / "master.log",
                       {sock.env()});
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return sock.find("STATUS=master 'm1' connecting") >= 0; }),
                        sock.dump() + master.log());
  BOOST_CHECK_EQUAL(sock.find("READY=1"), -1);

  // The broker appears on the configured port; the master connects to it.
  broker mqtt(dir / "broker", "listener " + std::to_string(port) + " 127.0.0.1\n");
  BOOST_CHECK_MESSAGE(wait_until([&] { return sock.find("READY=1") >= 0; }),
                      sock.dump() + master.log());
  BOOST_CHECK_EQUAL(master.stop(), 0);
  BOOST_CHECK(sock.find("STOPPING=1") >= 0);
}

}  // namespace peranda::test
