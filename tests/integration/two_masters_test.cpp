// SPDX-License-Identifier: Apache-2.0
// Two real masters share one mosquitto and six real agents (issue 16): each
// node is pulled by its owner only (rendezvous hashing over the live
// masters); kill -9 one master and the other pulls all nodes; restart it
// and its nodes move back; freeze one (SIGSTOP: no Will, only its beats
// stop) and the other takes its nodes, thaw it and they move back; across
// the two data_dirs every line is stored exactly once. A second case: a
// real agent answers a master that does not own its node `not_owner`.
#define BOOST_TEST_MODULE two_masters
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/ownership/rendezvous.hpp"
#include "core/util/clock.hpp"
#include "tests/integration/agent_fixture.hpp"
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
  std::filesystem::path hook_out() const { return dir / "hook.out"; }
  // A keepalive of 120 s: a frozen master's Will would come after 180 s,
  // beyond every deadline here, so only its missing beats can hand its
  // nodes over in time.
  void start(const std::string& url) {
    std::filesystem::create_directories(dir);
    port = free_port();
    std::ofstream(dir / "master.toml")
        << "[broker]\nurl = \"" << url << "\"\nkeepalive = \"120s\"\n[master]\nid = \"" << id
        << "\"\ndata_dir = \"" << data_dir().string() << "\"\nhttp_listen = \"127.0.0.1:" << port
        << "\"\nalarm_hook = [\"/usr/bin/tee\", \"-a\", \"" << hook_out().string() << "\"]\n"
        << k_master_extra;
    process = std::make_unique<child_process>(
        std::vector<std::string>{program("peranda-master"), "--config",
                                 (dir / "master.toml").string(), "--log-level", "debug"},
        dir / "master.log");
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
                                 "alarm_resend_after = \"1s\"\n"
                                 "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" +
                                     logs.back().string() +
                                     "\"\nfrom_beginning = true\nrule_lines_per_second = 0\n"
                                     "[[rule]]\nname = \"fatal\"\npattern = 'FATAL'\n"
                                     "severity = \"critical\"\nsources = [\"app\"]\n"));
  }
  auto write_phase = [&](int phase) {
    for (int i = 0; i < k_nodes; ++i) {
      std::ofstream out(logs[static_cast<std::size_t>(i)], std::ios::app);
      for (int s = phase * k_lines_per_phase; s < (phase + 1) * k_lines_per_phase; ++s) {
        out << "two-masters node=" << node_name(i) << " seq=" << s << (s % k_lines_per_phase == 0 ? " FATAL " : " ")
            << std::string(static_cast<std::size_t>(s % 61), 'x') << "\n";
      }
    }
  };
  auto all_stored = [&](int phases) {
    auto seen = stored_lines({a.data_dir(), b.data_dir()});
    return seen.size() == static_cast<std::size_t>(k_nodes * k_lines_per_phase * phases);
  };
  // Every stored file's `complete` reached its agent (which then deleted
  // it): only then is a master killed, as a file stored whose ack was lost
  // with its master is stored again by the next owner (docs/operations.md,
  // "Several masters").
  auto acks_settled = [&] {
    std::set<std::string> stored;
    for (const auto& d : {a.data_dir(), b.data_dir()}) {
      for (const auto& f : stored_files(d)) stored.insert(f.filename());
    }
    for (int i = 0; i < k_nodes; ++i) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(
               dir / ("agent-" + std::to_string(i)) / "spool" / "files", ec)) {
        if (stored.contains(e.path().filename())) return false;
      }
    }
    return true;
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
  BOOST_REQUIRE(wait_until(acks_settled));

  // Alarms: every master journals every node's alarm once; only the
  // node's owner ran the hook (and confirmed it: the outboxes empty).
  auto fatal_alarms = [](std::uint16_t port) {
    std::map<std::string, int> per_node;
    auto body = http_get_json(port, "/api/v1/alarms");
    if (!body.is_object()) return per_node;
    for (const auto& al : body["alarms"]) {
      if (al.value("rule", "") == "fatal") ++per_node[al.value("node", "")];
    }
    return per_node;
  };
  auto hooked_nodes = [&](const fleet_master& m) {
    std::map<std::string, int> per_node;
    std::istringstream in(read_all(m.hook_out()));
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("rule", "") == "fatal") ++per_node[j.value("node", "")];
    }
    return per_node;
  };
  BOOST_REQUIRE_MESSAGE(wait_until([&] {
                          return fatal_alarms(a.port).size() == k_nodes &&
                                 fatal_alarms(b.port).size() == k_nodes &&
                                 hooked_nodes(a).size() + hooked_nodes(b).size() == k_nodes;
                        }),
                        diagnostics());
  for (const auto& port : {a.port, b.port}) {
    for (const auto& [node, count] : fatal_alarms(port)) BOOST_TEST(count == 1, node);
  }
  for (const auto& [node, count] : hooked_nodes(a)) {
    BOOST_TEST(a_nodes.contains(node), node << " hooked by m-a, not its owner");
    BOOST_TEST(count == 1);
  }
  for (const auto& [node, count] : hooked_nodes(b)) {
    BOOST_TEST(!a_nodes.contains(node), node << " hooked by m-b, not its owner");
    BOOST_TEST(count == 1);
  }
  auto outboxes_empty = [&] {
    for (int i = 0; i < k_nodes; ++i) {
      std::error_code ec;
      auto it = std::filesystem::directory_iterator(
          dir / ("agent-" + std::to_string(i)) / "spool" / "outbox", ec);
      if (std::distance(it, std::filesystem::directory_iterator()) != 0) return false;
    }
    return true;
  };
  BOOST_REQUIRE_MESSAGE(wait_until(outboxes_empty), diagnostics());

  // kill -9 m-a while no transfer runs: m-b takes every node and pulls them.
  a.process->kill9();
  a.process.reset();
  auto killed = std::chrono::steady_clock::now();
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return owners_are(b.port, only_b); }), diagnostics());
  BOOST_TEST_MESSAGE("m-b owned every node "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - killed)
                            .count()
                     << " ms after m-a was killed (beat_interval 1 s)");
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
  BOOST_REQUIRE(wait_until(acks_settled));
  auto phase3_marker = stored_lines({a.data_dir()});
  for (const auto& node : a_nodes) {
    BOOST_TEST(phase3_marker.contains(std::pair(node, 2 * k_lines_per_phase)), node << " not pulled by m-a again");
  }

  // m-b frozen (SIGSTOP): its connection stays open and the broker fires no
  // Will within any deadline here; its beats stop, so m-a takes its nodes.
  std::map<std::string, std::string> only_a;
  for (const auto& [node, o] : owner) only_a[node] = "m-a";
  BOOST_REQUIRE(::kill(b.process->pid(), SIGSTOP) == 0);
  auto frozen = std::chrono::steady_clock::now();
  // Their alarms now: m-b cannot confirm them, m-a journals them (owing the
  // hook while m-b still looks live) and, as their owner, confirms them and
  // runs the hook, on the agent's resend if need be.
  write_phase(3);
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return owners_are(a.port, only_a); }), diagnostics());
  BOOST_TEST_MESSAGE("m-a owned every node "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - frozen)
                            .count()
                     << " ms after m-b froze (no Will; beat_interval 1 s)");
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return all_stored(4); }), diagnostics());
  auto hooked_by_a_in_phase_3 = [&] {
    std::set<std::string> out;
    std::istringstream in(read_all(a.hook_out()));
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      auto marker = " seq=" + std::to_string(3 * k_lines_per_phase) + " ";
      if (j.is_object() && j.value("line", "").find(marker) != std::string::npos) {
        out.insert(j.value("node", ""));
      }
    }
    return out;
  };
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return hooked_by_a_in_phase_3().size() == k_nodes; }),
                        diagnostics());
  BOOST_REQUIRE_MESSAGE(wait_until(outboxes_empty), diagnostics());
  BOOST_REQUIRE(::kill(b.process->pid(), SIGCONT) == 0);
  // Thawed, it beats again and takes its nodes back.
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return owners_are(a.port, owner) && owners_are(b.port, owner); }),
      diagnostics());

  // A node lost (its agent killed -9, so its Will): both masters journal
  // the fleet alarm, only its owner runs the hook and publishes it, so a
  // watcher sees it once.
  const auto lost_node = node_name(0);
  auto lost_of = [&](const std::string& text) {
    int n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      n += j.is_object() && j.value("rule", "") == "fleet.lost" && j.value("node", "") == lost_node;
    }
    return n;
  };
  auto journaled_lost = [&](std::uint16_t port) {
    int n = 0;
    auto body = http_get_json(port, "/api/v1/alarms");
    if (!body.is_object()) return n;
    for (const auto& al : body["alarms"]) {
      n += al.value("rule", "") == "fleet.lost" && al.value("node", "") == lost_node;
    }
    return n;
  };
  recorder watcher(mqtt.url(), "fleet-watcher",
                   {protocol::topic_scheme("peranda/v1").fleet_alarm(lost_node)});
  agents[0]->kill9();
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return journaled_lost(a.port) == 1 && journaled_lost(b.port) == 1; }),
      diagnostics());
  auto& lost_owner = owner[lost_node] == "m-a" ? a : b;
  auto& lost_other = owner[lost_node] == "m-a" ? b : a;
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return lost_of(read_all(lost_owner.hook_out())) == 1; }),
                        diagnostics());
  BOOST_REQUIRE(wait_until([&] { return watcher.on(lost_node).size() >= 1; }));
  // The other master journaled it too and owed it while the owner lived;
  // once that expired (4 beats) it has neither hooked nor published it.
  BOOST_REQUIRE(wait_until([&] {
    return journaled_lost(lost_other.port) == 1 &&
           metric(lost_other.port, "peranda_fleet_alarms_owed") == 0;
  }));
  BOOST_TEST(lost_of(read_all(lost_other.hook_out())) == 0);
  BOOST_TEST(watcher.on(lost_node).size() == 1u);

  // Every line of every node stored exactly once across both stores.
  int twice = 0;
  for (const auto& [key, count] : stored_lines({a.data_dir(), b.data_dir()})) twice += count != 1;
  BOOST_TEST(twice == 0);
}

// A real agent with two live masters: the one that does not own its node
// gets `not_owner` naming the owner (not silence, not an upload); the owner
// is served.
BOOST_AUTO_TEST_CASE(agent_answers_a_non_owner_not_owner_and_serves_the_owner) {
  agent_rig rig("");
  rig.start_agent("starting;");
  protocol::topic_scheme topics("peranda/v1");
  recorder masters(rig.b.url(), "two-fake-masters", {topics.logs_reply(k_node)});
  std::vector<std::string> live{"m-a", "m-b"};
  auto owner = protocol::rendezvous_owner(k_node, live).value();
  auto other = owner == "m-a" ? std::string("m-b") : std::string("m-a");
  for (const auto& m : live) {
    protocol::master_status s{m, protocol::node_state::online, 1, "test", wall_clock_ms(), 60'000};
    BOOST_REQUIRE(masters.session()
                      .publish({topics.master_status(m), protocol::encode(s), 1, true})
                      .has_value());
  }
  unsigned n = 0;
  // The reply to one request, if it comes within `deadline` (a request sent
  // before the agent subscribed gets none).
  auto ask = [&](const std::string& master,
                 std::chrono::milliseconds deadline) -> std::optional<protocol::logs_reply> {
    auto id = fmt::format("r{}", ++n);
    protocol::logs_request rq{id, master, {}, 4096, 4, wall_clock_ms() + 60'000, wall_clock_ms(),
                              {},  {}};
    BOOST_REQUIRE(masters.session()
                      .publish({topics.logs_request(k_node), protocol::encode(rq), 1, false})
                      .has_value());
    std::optional<protocol::logs_reply> reply;
    wait_until(
        [&] {
          for (const auto& m : masters.on("/logs/reply")) {
            auto r = protocol::decode_logs_reply(m.payload);
            if (r && r->request_id == id) reply = *r;
          }
          return reply.has_value();
        },
        deadline);
    return reply;
  };
  auto is_not_owner = [&](const std::string& master) {
    auto r = ask(master, std::chrono::seconds(2));
    return r && r->status == protocol::reply_status::not_owner;
  };
  auto is_served = [&](const std::string& master) {
    auto r = ask(master, std::chrono::seconds(2));
    return r && r->status != protocol::reply_status::not_owner;
  };
  // The statuses reach the agent at some point: until then it serves anyone.
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return is_not_owner(other); }), rig.log());
  auto refused = ask(other, std::chrono::seconds(30));
  BOOST_REQUIRE(refused.has_value());
  BOOST_TEST((refused->status == protocol::reply_status::not_owner));
  BOOST_TEST(refused->owner == owner);
  BOOST_TEST(refused->master_id == other);
  auto served = ask(owner, std::chrono::seconds(30));
  BOOST_REQUIRE(served.has_value());
  BOOST_TEST((served->status != protocol::reply_status::not_owner),
             protocol::to_string(served->status));
  // The owner's Will: the other master owns the node now and is served.
  protocol::master_status gone{owner, protocol::node_state::lost, 1, "test", wall_clock_ms(),
                               60'000};
  BOOST_REQUIRE(masters.session()
                    .publish({topics.master_status(owner), protocol::encode(gone), 1, true})
                    .has_value());
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return is_served(other); }), rig.log());
}
