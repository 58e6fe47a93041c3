// SPDX-License-Identifier: Apache-2.0
// A file stored by a master whose `complete` never reached the node (the
// master died right after the rename: a preloaded renameat2 kills it there)
// is stored again by the next owner; when the first master returns, its
// node tells it who completed the file and it removes its second copy.
// And when it returns alone, its own copy answers the file once. With one
// data_dir shared by both masters the second finds the first's copy and
// stores nothing, and neither removes the other's partial files.
// Real mosquitto, real masters and a real agent (issue 16).
#define BOOST_TEST_MODULE stored_twice
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/protocol/ownership/rendezvous.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/stored_files.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

constexpr int k_lines = 300;
const std::string k_master_extra =
    "pull_interval = \"2s\"\nbeat_interval = \"1s\"\nchunk_size = \"4KiB\"\n"
    // A first request sent before a busy agent subscribed is asked again soon.
    "request_timeout = \"10s\"\n";

// A node id that master `a` owns while `a` and `b` both live.
std::string node_owned_by(const std::string& a, const std::string& b) {
  const std::vector<std::string> live{a, b};
  for (int i = 0;; ++i) {
    auto node = "node-" + std::to_string(i);
    if (protocol::rendezvous_owner(node, live) == a) return node;
  }
}

// Stored copies of each line, across `dirs`.
std::map<int, int> stored_lines(const std::vector<std::filesystem::path>& dirs) {
  std::map<int, int> seen;
  for (const auto& dir : dirs) {
    for (const auto& file : stored_files(dir)) {
      std::istringstream in(read_all(file));
      for (std::string line; std::getline(in, line);) {
        auto at = line.find("stored-twice seq=");
        if (at != std::string::npos) ++seen[std::stoi(line.substr(at + 17))];
      }
    }
  }
  return seen;
}

bool each_line_stored(const std::map<int, int>& seen, int copies) {
  if (seen.size() != static_cast<std::size_t>(k_lines)) return false;
  for (const auto& [_, n] : seen) {
    if (n != copies) return false;
  }
  return true;
}

// The master on `port` heard from the node that its copy was its own (or
// its store's), and watches no file any more.
bool own_copy_confirmed(std::uint16_t port) {
  return metric(port, "peranda_unconfirmed_settled_total{outcome=\"confirmed\"}") >= 1 &&
         metric(port, "peranda_unconfirmed_files") == 0;
}

struct fixture {
  fixture() {
    std::filesystem::create_directories(dir / "agent");
    std::ofstream out(app_log);
    for (int s = 0; s < k_lines; ++s) out << "stored-twice seq=" << s << "\n";
  }

  // Master `id` in folder dir/id; `dies_after_store`: killed -9 right after
  // its first stored file's rename.
  // With `shared`, its data_dir is m-a's (a symbolic link, as a mount
  // point would be) and its alarm journal its own.
  std::unique_ptr<child_process> master(const std::string& id, std::uint16_t& port,
                                        bool dies_after_store = false, bool shared = false) {
    auto c = program_config(mqtt.url(), dir / id);
    auto extra = k_master_extra;
    if (shared) {
      std::filesystem::create_directories(data_dir("m-a"));
      std::filesystem::create_directories(dir / id);
      std::error_code ec;
      std::filesystem::create_directory_symlink(data_dir("m-a"), data_dir(id), ec);
      extra += "alarm_journal = \"" + (dir / id / "alarms.jsonl").string() + "\"\n";
    }
    if (!dies_after_store) return start_master(c, id, port, extra);
    const char* asan = std::getenv("ASAN_OPTIONS");
    // ASan insists on coming first in the library list; the preload is first.
    return start_master(c, id, port, extra,
                        {std::string("LD_PRELOAD=") + PERANDA_KILL_AFTER_STORE,
                         std::string("ASAN_OPTIONS=") + (asan ? asan : "") +
                             ":verify_asan_link_order=0"});
  }

  std::filesystem::path data_dir(const std::string& id) const { return dir / id / "data"; }

  void start_agent_for(const std::string& node) {
    agent = start_agent({mqtt.url(), dir / "agent"}, node,
                        "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" +
                            app_log.string() + "\"\nfrom_beginning = true\n");
  }

  // m-a alone, the owner of the agent's node with m-b too, stores the
  // agent's file and is killed right after the rename.
  void store_then_die() {
    auto node = node_owned_by("m-a", "m-b");
    std::uint16_t port = 0;
    auto m = master("m-a", port, true);
    start_agent_for(node);
    BOOST_REQUIRE_MESSAGE(m->wait_exit(k_deadline) == 128 + 9, m->state() << "\n" << m->log());
    BOOST_REQUIRE(each_line_stored(stored_lines({data_dir("m-a")}), 1));
  }

  temp_dir dir;
  broker mqtt{dir / "broker"};
  std::filesystem::path app_log = dir / "app.log";
  std::unique_ptr<child_process> agent;
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_second_copy_in_another_store_is_found_and_removed, fixture) {
  store_then_die();
  std::uint16_t port_a = 0, port_b = 0;

  // m-b alone owns the node: the agent, which never got m-a's complete,
  // uploads the file again.
  auto b = master("m-b", port_b);
  BOOST_REQUIRE_MESSAGE(wait_until([&] {
                          return each_line_stored(
                              stored_lines({data_dir("m-a"), data_dir("m-b")}), 2);
                        }),
                        "m-b did not store the file again");

  // m-a returns and owns the node again: asked, the node names m-b's store.
  auto a = master("m-a", port_a);
  bool once = wait_until([&] {
    return each_line_stored(stored_lines({data_dir("m-a"), data_dir("m-b")}), 1);
  });
  BOOST_TEST(once, "m-a's second copy stayed; its log:\n" << a->log());
  BOOST_TEST(each_line_stored(stored_lines({data_dir("m-b")}), 1));
  // Counted after the removal's directory fsync: waited for, not read once.
  BOOST_TEST(wait_until([&] {
    return metric(port_a, "peranda_unconfirmed_settled_total{outcome=\"second_copy_removed\"}") ==
               1 &&
           metric(port_a, "peranda_unconfirmed_files") == 0;
  }));
}

BOOST_FIXTURE_TEST_CASE(a_master_returning_alone_keeps_its_one_copy, fixture) {
  store_then_die();
  std::uint16_t port = 0;
  auto a = master("m-a", port);
  // The file is offered again: the copy already stored answers it, and the
  // node then confirms the complete was this master's.
  BOOST_TEST(wait_until([&] { return own_copy_confirmed(port); }), a->log());
  BOOST_TEST(each_line_stored(stored_lines({data_dir("m-a")}), 1));
  BOOST_TEST(metric(port, "peranda_unconfirmed_settled_total{outcome=\"second_copy_removed\"}") ==
             0);
}

BOOST_FIXTURE_TEST_CASE(masters_sharing_a_data_dir_store_a_file_once, fixture) {
  store_then_die();
  std::uint16_t port_a = 0, port_b = 0;

  // m-b, on the same data_dir, finds m-a's copy: complete, nothing stored.
  auto b = master("m-b", port_b, false, true);
  BOOST_REQUIRE_MESSAGE(wait_until([&] {
                          return metric(port_b, "peranda_transfers_total{outcome=\"duplicate\"}") >=
                                 1;
                        }),
                        b->log());
  // A partial file of m-b's survives m-a's restart; m-a's own go.
  auto folder = stored_files(data_dir("m-a")).front().parent_path();
  std::ofstream(folder / ".m-b~t9.part") << "m-b's, in flight";
  std::ofstream(folder / ".m-a~t9.part") << "m-a's, left by the kill";
  auto a = master("m-a", port_a);
  BOOST_TEST(wait_until([&] { return own_copy_confirmed(port_a); }), a->log());
  BOOST_TEST(std::filesystem::exists(folder / ".m-b~t9.part"));
  BOOST_TEST(!std::filesystem::exists(folder / ".m-a~t9.part"));
  BOOST_TEST(each_line_stored(stored_lines({data_dir("m-a")}), 1));
  BOOST_TEST(metric(port_a, "peranda_unconfirmed_settled_total{outcome=\"second_copy_removed\"}") ==
             0);
}

BOOST_FIXTURE_TEST_CASE(two_masters_never_share_an_alarm_journal, fixture) {
  std::uint16_t port_a = 0, port_c = 0;
  auto a = master("m-a", port_a);
  BOOST_REQUIRE(wait_until([&] { return metric(port_a, "peranda_broker_connected") == 1; }));
  // m-c on m-a's data_dir with the default journal: refused at start.
  auto c = program_config(mqtt.url(), dir / "m-c");
  std::filesystem::create_directories(dir / "m-c");
  std::filesystem::create_directory_symlink(data_dir("m-a"), dir / "m-c" / "data");
  auto m = start_master(c, "m-c", port_c, k_master_extra);
  BOOST_TEST(m->wait_exit(k_deadline) != 0);
  BOOST_TEST(m->log().find("need an alarm_journal each") != std::string::npos, m->log());
}
