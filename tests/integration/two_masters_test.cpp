// SPDX-License-Identifier: Apache-2.0
// Two real masters share one mosquitto and six real agents (issue 16): each
// node is pulled by its owner only (rendezvous hashing over the live
// masters); kill -9 one master and the other pulls all nodes; restart it
// and its nodes move back; across the two data_dirs every line is stored
// exactly once.
#define BOOST_TEST_MODULE two_masters
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/protocol/ownership/rendezvous.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/stored_files.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr int k_nodes = 6;
constexpr int k_lines_per_phase = 200;
// Beats every second: a master killed -9 is gone for its peers 1.5 s after
// its last beat (mosquitto's Will comes after 1.5 keepalives, 3 s).
const std::string k_master_extra =
    "pull_interval = \"2s\"\nbeat_interval = \"1s\"\nchunk_size = \"4KiB\"\nwindow = 4\n";

struct fleet_master {
  std::string id;
  std::filesystem::path dir;
  std::uint16_t port = 0;
  std::unique_ptr<child_process> process;

  std::filesystem::path data_dir() const { return dir / "data"; }
  void start(const std::string& url) {
    process = start_master({url, dir}, id, port, k_master_extra);
    BOOST_REQUIRE(wait_until([&] { return metric(port, "peranda_broker_connected") == 1; }));
  }
};

std::string node_name(int i) { return "node-" + std::to_string(i); }

// (node, seq) -> how often it is stored, across `dirs`.
std::map<std::pair<std::string, int>, int> stored_lines(
    const std::vector<std::filesystem::path>& dirs) {
  std::map<std::pair<std::string, int>, int> seen;
  for (const auto& dir : dirs) {
    for (const auto& file : stored_files(dir)) {
      std::istringstream in(read_all(file));
      for (std::string line; std::getline(in, line);) {
        auto n = line.find("two-masters node=");
        auto s = line.find(" seq=");
        if (n == std::string::npos || s == std::string::npos) continue;
        auto node = line.substr(n + 17, s - (n + 17));
        ++seen[{node, std::stoi(line.substr(s + 5))}];
      }
    }
  }
  return seen;
}

// Nodes with at least one stored file under `data_dir`, by their folder.
std::set<std::string> nodes_stored_in(const std::filesystem::path& data_dir) {
  std::set<std::string> out;
  for (const auto& f : stored_files(data_dir)) out.insert(f.parent_path().filename());
  return out;
}

// Whether the master on `port` sees `owner` as the owner of every node in `nodes`.
bool owners_are(std::uint16_t port, const std::map<std::string, std::string>& expected) {
  for (const auto& [node, owner] : expected) {
    auto n = find_node(port, node);
    if (!n.is_object() || n.value("owner", "") != owner) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_masters_share_fail_over_and_take_back_every_node_once) {
  temp_dir dir;
  broker mqtt(dir / "broker");
  fleet_master a{"m-a", dir / "m-a", 0, nullptr};
  fleet_master b{"m-b", dir / "m-b", 0, nullptr};
  a.start(mqtt.url());
  b.start(mqtt.url());

  std::vector<std::string> live{"m-a", "m-b"};
  std::map<std::string, std::string> owner, only_b;
  for (int i = 0; i < k_nodes; ++i) {
    owner[node_name(i)] = protocol::rendezvous_owner(node_name(i), live).value();
    only_b[node_name(i)] = "m-b";
  }
  std::set<std::string> a_nodes;
  for (const auto& [node, o] : owner) {
    if (o == "m-a") a_nodes.insert(node);
  }
  BOOST_REQUIRE(!a_nodes.empty() && a_nodes.size() < static_cast<std::size_t>(k_nodes));

  std::vector<std::unique_ptr<child_process>> agents;
  std::vector<std::filesystem::path> logs;
  for (int i = 0; i < k_nodes; ++i) {
    auto adir = dir / ("agent-" + std::to_string(i));
    std::filesystem::create_directories(adir);
    logs.push_back(adir / "app.log");
    std::ofstream(logs.back()).close();
    agents.push_back(start_agent({mqtt.url(), adir}, node_name(i),
                                 "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" +
                                     logs.back().string() + "\"\nfrom_beginning = true\n"));
  }
  auto write_phase = [&](int phase) {
    for (int i = 0; i < k_nodes; ++i) {
      std::ofstream out(logs[static_cast<std::size_t>(i)], std::ios::app);
      for (int s = phase * k_lines_per_phase; s < (phase + 1) * k_lines_per_phase; ++s) {
        out << "two-masters node=" << node_name(i) << " seq=" << s << " "
            << std::string(static_cast<std::size_t>(s % 61), 'x') << "\n";
      }
    }
  };
  auto all_stored = [&](int phases) {
    auto seen = stored_lines({a.data_dir(), b.data_dir()});
    return seen.size() == static_cast<std::size_t>(k_nodes * k_lines_per_phase * phases);
  };
  auto diagnostics = [&] {
    std::ostringstream o;
    o << "m-a: " << (a.process ? a.process->log() : "") << "\nm-b: " << b.process->log();
    return o.str();
  };

  // Both masters pull, each node by its owner only, as both masters see it.
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return owners_are(a.port, owner) && owners_are(b.port, owner); }),
      diagnostics());
  write_phase(0);
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return all_stored(1); }), diagnostics());
  BOOST_TEST((nodes_stored_in(a.data_dir()) == a_nodes));
  for (const auto& n : nodes_stored_in(b.data_dir())) BOOST_TEST(!a_nodes.contains(n), n);
  auto masters = http_get_json(b.port, "/api/v1/masters");
  BOOST_REQUIRE(masters.is_object());
  BOOST_TEST(masters["masters"].size() == 2u);
  for (const auto& m : masters["masters"]) {
    auto expected = m.value("id", "") == "m-a" ? a_nodes.size() : k_nodes - a_nodes.size();
    BOOST_TEST(m.value("nodes_owned", 0u) == expected, m.dump());
  }
  BOOST_TEST(metric(a.port, "peranda_master_live_masters") == 2);

  // kill -9 m-a while no transfer runs: m-b takes every node and pulls them.
  a.process->kill9();
  a.process.reset();
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return owners_are(b.port, only_b); }), diagnostics());
  write_phase(1);
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return all_stored(2); }), diagnostics());
  BOOST_TEST((nodes_stored_in(b.data_dir()).size() == static_cast<std::size_t>(k_nodes)));
  BOOST_TEST(metric(b.port, "peranda_nodes_owned") == k_nodes);

  // m-a back: its nodes move back to it, and it pulls them.
  auto a_files_before = stored_files(a.data_dir()).size();
  a.start(mqtt.url());
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return owners_are(a.port, owner) && owners_are(b.port, owner); }),
      diagnostics());
  write_phase(2);
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return all_stored(3); }), diagnostics());
  BOOST_TEST(stored_files(a.data_dir()).size() > a_files_before);
  auto phase3 = stored_lines({a.data_dir()});
  for (const auto& node : a_nodes) {
    BOOST_TEST(phase3.contains(std::pair(node, 2 * k_lines_per_phase)), node << " not pulled by m-a again");
  }

  // Every line of every node stored exactly once across both stores.
  int twice = 0;
  for (const auto& [key, count] : stored_lines({a.data_dir(), b.data_dir()})) twice += count != 1;
  BOOST_TEST(twice == 0);
}
