// SPDX-License-Identifier: Apache-2.0
// The classic daemon (--daemon --pidfile) and SIGHUP reload of the real
// programs against a real broker.
#define BOOST_TEST_MODULE ops_process
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>

#include "core/mqtt/session.hpp"
#include "core/runtime/pid_file.hpp"
#include "tests/support/ops_support.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/message_inbox.hpp"

namespace peranda::test {
namespace {

struct fleet {
  temp_dir dir;
  broker mqtt{dir / "broker"};

  std::filesystem::path agent_config(const std::string& node, const std::string& name) {
    auto path = dir / name;
    write_text(path, "[broker]\nurl = \"" + mqtt.url() + "\"\n[agent]\nnode_id = \"" + node +
                         "\"\nspool_dir = \"" + (dir / "spool").string() +
                         "\"\nheartbeat_interval = \"1s\"\n");
    return path;
  }

  std::filesystem::path master_config(std::uint16_t http_port) {
    auto path = dir / "master.toml";
    write_text(path, "[broker]\nurl = \"" + mqtt.url() +
                         "\"\n[master]\nid = \"m1\"\n"
                         "data_dir = \"" +
                         (dir / "data").string() +
                         "\"\nhttp_listen = \"127.0.0.1:" + std::to_string(http_port) + "\"\n");
    return path;
  }
};

// A daemon is not our child: it was reparented to us (a child subreaper).
// Stops it by its pid if a check failed before the test stopped it.
struct daemon_guard {
  pid_t pid = -1;
  ~daemon_guard() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  bool exited() {
    if (pid <= 0) return true;
    if (::waitpid(pid, nullptr, WNOHANG) != pid) return false;
    pid = -1;
    return true;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(process_model, fleet)

BOOST_AUTO_TEST_CASE(daemon_detaches_locks_its_pid_file_refuses_a_second_start_and_cleans_up) {
  BOOST_REQUIRE_EQUAL(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  auto pid_path = dir / "run" / "agent.pid";
  std::filesystem::create_directories(pid_path.parent_path());
  auto log = dir / "agent.log";
  std::vector<std::string> argv{program("peranda-agent"),
                                "--config",
                                agent_config("n1", "agent.toml").string(),
                                "--daemon",
                                "--pidfile",
                                pid_path.string(),
                                "--log-file",
                                log.string()};

  // The starting process returns only once the daemon runs.
  auto first = run(argv, dir / "start-1.log");
  BOOST_REQUIRE_MESSAGE(first.status == 0, first.output + read_text(log));
  daemon_guard daemon{read_pid(pid_path)};
  BOOST_REQUIRE(daemon.pid > 0);
  BOOST_CHECK_EQUAL(::kill(daemon.pid, 0), 0);
  // Detached: a session of its own (and not its leader, so it can never
  // reacquire a terminal), working directory /.
  BOOST_CHECK_NE(::getsid(daemon.pid), ::getsid(0));
  BOOST_CHECK_NE(::getsid(daemon.pid), daemon.pid);
  BOOST_CHECK_EQUAL(std::filesystem::read_symlink("/proc/" + std::to_string(daemon.pid) + "/cwd"),
                    "/");
  // Locked: nobody else gets the lock while it runs.
  int fd = ::open(pid_path.c_str(), O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  BOOST_CHECK_NE(::flock(fd, LOCK_EX | LOCK_NB), 0);
  ::close(fd);
  BOOST_CHECK(wait_until([&] { return contains(read_text(log), "connected to"); }));

  auto second = run(argv, dir / "start-2.log");
  BOOST_CHECK_EQUAL(second.status, 1);
  BOOST_CHECK_MESSAGE(
      contains(second.output, "already running as pid " + std::to_string(daemon.pid)),
      second.output);
  BOOST_CHECK_EQUAL(read_pid(pid_path), daemon.pid);

  BOOST_REQUIRE_EQUAL(::kill(daemon.pid, SIGTERM), 0);
  BOOST_CHECK(wait_until([&] { return daemon.exited(); }));
  BOOST_CHECK(!std::filesystem::exists(pid_path));
  BOOST_CHECK(contains(read_text(log), "stopped"));
}

BOOST_AUTO_TEST_CASE(start_and_stop_scripts_run_the_classic_daemon) {
  BOOST_REQUIRE_EQUAL(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  auto conf_dir = dir / "etc";
  std::filesystem::create_directories(conf_dir);
  std::filesystem::copy_file(agent_config("n1", "agent.toml"), conf_dir / "agent.toml");
  std::vector<std::string> env{
      "PERANDA_BIN=" + std::filesystem::path(program("peranda-agent")).parent_path().string(),
      "PERANDA_CONF_DIR=" + conf_dir.string(), "PERANDA_RUN_DIR=" + (dir / "run").string(),
      "PERANDA_LOG_DIR=" + (dir / "log").string()};
  auto started =
      run({source_path("deploy/scripts/peranda-start"), "agent"}, dir / "start.log", env);
  BOOST_REQUIRE_MESSAGE(started.status == 0, started.output);
  daemon_guard daemon{read_pid(dir / "run" / "agent.pid")};
  BOOST_REQUIRE(daemon.pid > 0);
  BOOST_CHECK(
      wait_until([&] { return contains(read_text(dir / "log" / "agent.log"), "connected"); }));

  auto again = run({source_path("deploy/scripts/peranda-start"), "agent"}, dir / "again.log", env);
  BOOST_CHECK_EQUAL(again.status, 1);
  BOOST_CHECK(contains(again.output, "already running as pid " + std::to_string(daemon.pid)));

  auto stopped = run({source_path("deploy/scripts/peranda-stop"), "agent"}, dir / "stop.log", env);
  BOOST_CHECK_MESSAGE(stopped.status == 0, stopped.output);
  BOOST_CHECK(wait_until([&] { return daemon.exited(); }));
  BOOST_CHECK(!std::filesystem::exists(dir / "run" / "agent.pid"));
  auto idle = run({source_path("deploy/scripts/peranda-stop"), "agent"}, dir / "idle.log", env);
  BOOST_CHECK_EQUAL(idle.status, 0);
  BOOST_CHECK(contains(idle.output, "not running"));
}

BOOST_AUTO_TEST_CASE(a_daemon_that_cannot_start_says_why_to_its_caller) {
  auto config = dir / "agent.toml";
  // Valid, but the spool cannot be created: start() fails after detaching.
  write_text(config, "[broker]\nurl = \"" + mqtt.url() +
                         "\"\n[agent]\nnode_id = \"n1\"\n"
                         "spool_dir = \"/proc/peranda-no-such-dir\"\n");
  auto r = run({program("peranda-agent"), "--config", config.string(), "--daemon", "--pidfile",
                (dir / "agent.pid").string()},
               dir / "start.log");
  BOOST_CHECK_EQUAL(r.status, 1);
  BOOST_CHECK_MESSAGE(
      contains(r.output, "peranda-agent: ") && contains(r.output, "/proc/peranda-no-such-dir"),
      r.output);
  BOOST_CHECK(wait_until([&] { return !std::filesystem::exists(dir / "agent.pid"); }));
}

BOOST_AUTO_TEST_CASE(agent_reload_keeps_the_old_config_when_the_new_one_is_broken) {
  mqtt_session::options o;
  o.server_uri = mqtt.url();
  o.client_id = "watcher";
  mqtt_session::session watcher(o);
  message_inbox heartbeats;
  heartbeats.subscribe(watcher, "peranda/v1/nodes/+/heartbeat");
  BOOST_REQUIRE(watcher.start());
  std::vector<mqtt_session::message> seen;
  auto in_state = [&](const std::string& node, const std::string& state) {
    while (auto m = heartbeats.pop_for(std::chrono::milliseconds(0))) seen.push_back(*m);
    for (const auto& m : seen) {
      if (m.topic == "peranda/v1/nodes/" + node + "/heartbeat" &&
          contains(m.payload, "\"state\":\"" + state + "\"")) {
        return true;
      }
    }
    return false;
  };
  auto online = [&](const std::string& node) { return in_state(node, "online"); };
  // An `online` heartbeat of `node` among those seen after the first `from`.
  auto online_after = [&](const std::string& node, std::size_t from) {
    in_state(node, "online");
    for (auto i = from; i < seen.size(); ++i) {
      if (seen[i].topic == "peranda/v1/nodes/" + node + "/heartbeat" &&
          contains(seen[i].payload, "\"state\":\"online\""))
        return true;
    }
    return false;
  };

  auto config = agent_config("n1", "agent.toml");
  child_process agent({program("peranda-agent"), "--config", config.string()}, dir / "agent.log");
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return online("n1"); }), agent.log());

  write_text(config, "[broker]\nurl = \"not a url\"\n");
  ::kill(agent.pid(), SIGHUP);
  BOOST_CHECK_MESSAGE(wait_until([&] { return contains(agent.log(), "reload refused"); }),
                      agent.log());
  BOOST_CHECK(contains(agent.log(), "not a url"));
  BOOST_CHECK(agent.running());
  // ... and goes on with the old one: n1 keeps heartbeating.
  in_state("n1", "online");
  auto refused_at = seen.size();
  BOOST_CHECK_MESSAGE(wait_until([&] { return online_after("n1", refused_at); }), agent.log());

  agent_config("n2", "agent.toml");
  ::kill(agent.pid(), SIGHUP);
  BOOST_CHECK_MESSAGE(wait_until([&] { return online("n2"); }), agent.log());
  // The reload stopped the old agent cleanly, and SIGTERM stops the new one.
  BOOST_CHECK(wait_until([&] { return in_state("n1", "offline"); }));
  BOOST_CHECK_EQUAL(agent.stop(), 0);
  BOOST_CHECK_MESSAGE(wait_until([&] { return in_state("n2", "offline"); }), agent.log());
  watcher.stop();
}

BOOST_AUTO_TEST_CASE(master_reload_applies_a_good_config_and_keeps_running_on_a_bad_one) {
  auto old_port = free_port();
  auto config = master_config(old_port);
  child_process master({program("peranda-master"), "--config", config.string()},
                       dir / "master.log");
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return port_open(old_port); }), master.log());

  auto good = read_text(config);
  write_text(config, good + "no_such_key = 1\n");
  ::kill(master.pid(), SIGHUP);
  BOOST_CHECK_MESSAGE(wait_until([&] { return contains(master.log(), "reload refused"); }),
                      master.log());
  BOOST_CHECK(port_open(old_port));

  auto new_port = free_port();
  master_config(new_port);
  ::kill(master.pid(), SIGHUP);
  BOOST_CHECK_MESSAGE(wait_until([&] { return port_open(new_port) && !port_open(old_port); }),
                      master.log());
  BOOST_CHECK_EQUAL(master.stop(), 0);
}

BOOST_AUTO_TEST_CASE(check_connection_explains_an_unresolvable_broker_name) {
  if (::geteuid() != 0 ||
      run({"/usr/bin/unshare", "--mount", "--fork", "/bin/true"}, dir / "probe.log").status != 0) {
    BOOST_TEST_MESSAGE("no mount namespace: the DNS failure check is skipped");
    return;
  }
  // A resolver that asks 127.0.0.1:53, where nothing listens, in a private
  // mount namespace: the name fails at once and no outside DNS is asked.
  write_text(dir / "resolv.conf", "nameserver 127.0.0.1\noptions attempts:1 timeout:1\n");
  auto config = dir / "agent.toml";
  write_text(config,
             "[broker]\nurl = \"tcp://no-such-broker.invalid:1883\"\n[agent]\n"
             "node_id = \"n1\"\nspool_dir = \"" +
                 (dir / "spool").string() + "\"\n");
  auto r = run({"/usr/bin/unshare", "--mount", "--fork", "/bin/sh", "-c",
                "mount --bind " + (dir / "resolv.conf").string() + " /etc/resolv.conf && exec " +
                    program("peranda-agent") + " --check-connection --config " + config.string()},
               dir / "dns.log");
  BOOST_CHECK_EQUAL(r.status, 1);
  BOOST_CHECK_MESSAGE(
      contains(r.output, "cannot resolve the broker's name 'no-such-broker.invalid'"), r.output);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
