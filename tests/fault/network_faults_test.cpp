// SPDX-License-Identifier: Apache-2.0
// Network faults between agents and the broker: the link of an agent in its
// own network namespace cut and restored during transfers, random packet
// loss inside the namespace (iptables statistic), and latency plus dropped
// connections through a delaying TCP proxy. Same guarantees as the process
// faults: every line stored exactly once, nothing deleted before stored,
// every alarm journaled once; presence goes `lost` on a cut and `online`
// after it, and stays there.
//
// PERANDA_FAULT_SEED / PERANDA_FAULT_SEEDS / PERANDA_FAULT_LONG as in
// process_faults_test.cpp.
#define BOOST_TEST_MODULE network_faults
#include <boost/test/unit_test.hpp>

#include "tests/fault/fault_rig.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/tcp_delay_proxy.hpp"

using namespace peranda::test;
using namespace peranda::test::fault;

namespace {

constexpr const char* k_master_extra =
    "chunk_size = \"1KiB\"\nwindow = 4\nmax_transfers = 8\n"
    "transfer_idle_timeout = \"3s\"\nrequest_timeout = \"30s\"";
constexpr const char* k_agent_extra = "spool_rotate_bytes = \"6KiB\"";
constexpr std::chrono::minutes k_reconnect{2};

// Writes a batch on every agent, waits until they read it, pulls every node
// and returns once `k` more files are stored or the pulls finished: the
// seeded event at which the fault is injected.
void write_pull_until_event(fault_rig& rig, std::mt19937& rng) {
  for (auto& a : rig.agents()) a->write_lines(50 + static_cast<int>(rng() % 150), rng);
  for (auto& a : rig.agents()) {
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return a->caught_up(); }, k_reconnect),
                          a->node << " did not read its log: " << a->process->log());
  }
  auto before = stored_files(rig.data_dir()).size();
  std::vector<std::string> pulls;
  for (auto& a : rig.agents()) pulls.push_back(rig.pull(a->node));
  auto k = rng() % 4;
  wait_until([&] {
    if (stored_files(rig.data_dir()).size() >= before + k) return true;
    for (auto& id : pulls) {
      if (!id.empty() && !rig.pull_finished(id)) return false;
    }
    return true;
  });
}

// Online now, and still online over the next `polls` looks (each one a
// round trip to the master): a late Will of the old connection must not
// flip it back to lost.
bool stays_online(fault_rig& rig, const std::string& node, int polls) {
  int seen = 0;
  bool flipped = false;
  wait_until([&] {
    flipped = flipped || rig.node_state(node) != "online";
    return ++seen >= polls;
  });
  return !flipped;
}

bool netns_usable(const std::filesystem::path& log) {
  if (netns_link::available(log)) return true;
  BOOST_TEST_MESSAGE("skipped: cannot make network namespaces here (needs root and `ip netns`)");
  return false;
}

// Agents each in their own namespace, reaching the broker on the host end
// of their veth. `fault` is applied to link i during the rounds.
void run_netns(unsigned seed, int rounds, const std::function<void(netns_link&, fault_rig&,
                                                                   fault_agent&)>& fault) {
  BOOST_TEST_MESSAGE("seed " << seed << " (rerun: PERANDA_FAULT_SEED=" << seed << ")");
  std::mt19937 rng(seed);
  temp_dir scratch;
  if (!netns_usable(scratch / "ip.log")) return;
  const int agents = long_mode() ? 4 : 2;
  std::vector<std::unique_ptr<netns_link>> links;
  for (int i = 0; i < agents; ++i) {
    links.push_back(std::make_unique<netns_link>(i + 1, scratch / "ip.log"));
  }
  auto port = free_port();
  std::string listeners;
  for (auto& l : links) listeners += "listener " + std::to_string(port) + " " + l->host_ip() + "\n";
  fault_rig rig(agents, k_master_extra, k_agent_extra, listeners);
  rig.start_master();
  for (int i = 0; i < agents; ++i) {
    rig.start_agent(*rig.agents()[i],
                    "tcp://" + links[i]->host_ip() + ":" + std::to_string(port),
                    links[i]->exec_prefix());
  }
  for (auto& a : rig.agents()) {
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return rig.node_state(a->node) == "online"; }),
                          a->node << " not online: " << a->process->log());
  }
  for (int round = 0; round < rounds; ++round) {
    write_pull_until_event(rig, rng);
    auto i = rng() % links.size();
    fault(*links[i], rig, *rig.agents()[i]);
    BOOST_TEST_REQUIRE(rig.unaccounted() == 0, "round " << round);
  }
  rig.require_drained();
  rig.wait_for_alarms();
  rig.check_final();
  // The rig (agents, master, broker) stops before the links go away.
}

}  // namespace

BOOST_AUTO_TEST_CASE(link_cut_and_restored_during_transfers) {
  for (auto seed : seeds()) {
    run_netns(seed, long_mode() ? 12 : 3, [](netns_link& link, fault_rig& rig, fault_agent& a) {
      link.cut();
      // The broker notices the silence after 1.5 x keepalive and fires the
      // Will: the master shows the node lost.
      BOOST_TEST_REQUIRE(wait_until([&] { return rig.node_state(a.node) == "lost"; }, k_reconnect),
                         a.node << " never shown lost");
      BOOST_TEST_REQUIRE(rig.unaccounted() == 0);
      link.restore();
      BOOST_TEST_REQUIRE(
          wait_until([&] { return rig.node_state(a.node) == "online"; }, k_reconnect),
          a.node << " not back online: " << a.process->log());
      BOOST_TEST(stays_online(rig, a.node, 50), a.node << " flipped back after online");
    });
  }
}

BOOST_AUTO_TEST_CASE(random_packet_loss_inside_the_namespace) {
  if (!std::filesystem::exists("/usr/sbin/iptables")) {
    BOOST_TEST_MESSAGE("skipped: iptables is not installed (scripts/deps.sh installs it)");
    return;
  }
  for (auto seed : seeds()) {
    run_netns(seed, long_mode() ? 8 : 2, [](netns_link& link, fault_rig& rig, fault_agent& a) {
      const std::vector<std::string> drop{"-m", "statistic", "--mode", "random", "--probability",
                                          "0.1", "-j", "DROP"};
      auto rule = [&](const char* op, const char* chain) {
        std::vector<std::string> argv{"/usr/sbin/iptables", op, chain};
        argv.insert(argv.end(), drop.begin(), drop.end());
        return link.run_inside(argv);
      };
      BOOST_TEST_REQUIRE(rule("-A", "INPUT") == 0);
      BOOST_TEST_REQUIRE(rule("-A", "OUTPUT") == 0);
      // Transfers go on through the loss: wait for one more stored file of
      // this node, or for its spool to hold nothing closed.
      auto before = stored_files(rig.data_dir()).size();
      auto id = rig.pull(a.node);
      wait_until([&] { return stored_files(rig.data_dir()).size() > before || rig.pull_finished(id); },
                 k_reconnect);
      BOOST_TEST_REQUIRE(rule("-D", "INPUT") == 0);
      BOOST_TEST_REQUIRE(rule("-D", "OUTPUT") == 0);
    });
  }
}

BOOST_AUTO_TEST_CASE(latency_and_dropped_connections_through_a_proxy) {
  for (auto seed : seeds()) {
    BOOST_TEST_MESSAGE("seed " << seed << " (rerun: PERANDA_FAULT_SEED=" << seed << ")");
    std::mt19937 rng(seed);
    const int agents = long_mode() ? 6 : 2;
    fault_rig rig(agents, k_master_extra, k_agent_extra);
    tcp_delay_proxy proxy(rig.mqtt().port(), std::chrono::milliseconds(150));
    rig.start_master();
    for (auto& a : rig.agents()) rig.start_agent(*a, proxy.url());
    for (auto& a : rig.agents()) {
      BOOST_REQUIRE_MESSAGE(wait_until([&] { return rig.node_state(a->node) == "online"; }),
                            a->node << " not online: " << a->process->log());
    }
    const int rounds = long_mode() ? 20 : 4;
    for (int round = 0; round < rounds; ++round) {
      write_pull_until_event(rig, rng);
      if (rng() % 2 == 0) {
        proxy.set_delay(std::chrono::milliseconds(rng() % 400));
      } else {
        proxy.drop_all();
        BOOST_TEST_REQUIRE(rig.unaccounted() == 0, "round " << round);
      }
      for (auto& a : rig.agents()) {
        BOOST_REQUIRE_MESSAGE(
            wait_until([&] { return rig.node_state(a->node) == "online"; }, k_reconnect),
            a->node << " not back online, round " << round);
      }
    }
    rig.require_drained();
    rig.wait_for_alarms();
    rig.check_final();
    // Agents stop before the proxy they talk through.
    for (auto& a : rig.agents()) a->process.reset();
  }
}
