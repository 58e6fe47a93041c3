// SPDX-License-Identifier: Apache-2.0
// kill -9 of agents, the master and the broker at seeded random points of
// many transfers. At every kill point each line written is stored or still
// spooled (no spool file is deleted before it is stored); at the end each
// line is stored exactly once, stored files hold whole lines of their own
// node, and each alarm is journaled exactly once.
//
// PERANDA_FAULT_SEED=N fixes the seed (printed); PERANDA_FAULT_SEEDS=K runs
// K consecutive seeds; PERANDA_FAULT_LONG=1 runs 10 agents and 20 rounds.
#define BOOST_TEST_MODULE process_faults
#include <boost/test/unit_test.hpp>


#include "tests/fault/fault_rig.hpp"

using namespace peranda::test;
using namespace peranda::test::fault;

namespace {

void run_seed(unsigned seed) {
  BOOST_TEST_MESSAGE("process_faults seed " << seed << " (rerun: PERANDA_FAULT_SEED=" << seed
                                            << (long_mode() ? " PERANDA_FAULT_LONG=1" : "")
                                            << ")");
  std::mt19937 rng(seed);
  const int agents = long_mode() ? 10 : 3;
  // Each round pulls every node, so long mode makes well over 100 transfers.
  const int rounds = long_mode() ? 20 : 12;
  // Small chunks and files: many chunks and many transfers per pull, so
  // kills land inside transfers — and, with the agents' default zstd
  // compression, inside the closing of compressed spool files.
  fault_rig rig(agents,
                "chunk_size = \"1KiB\"\nwindow = 4\nmax_transfers = 8\n"
                "transfer_idle_timeout = \"3s\"\nrequest_timeout = \"30s\"",
                "spool_rotate_bytes = \"6KiB\"");
  rig.start_master();
  for (auto& a : rig.agents()) rig.start_agent(*a);
  for (auto& a : rig.agents()) {
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return rig.node_state(a->node) == "online"; }),
                          a->node << " not online: " << a->process->log());
  }

  int kills[3] = {0, 0, 0};
  for (int round = 0; round < rounds; ++round) {
    for (auto& a : rig.agents()) a->write_lines(50 + static_cast<int>(rng() % 150), rng);
    for (auto& a : rig.agents()) {
      BOOST_REQUIRE_MESSAGE(wait_until([&] { return a->caught_up(); }),
                            a->node << " did not read its log: " << a->process->log());
    }
    auto before = stored_files(rig.data_dir()).size();
    std::vector<std::string> pulls;
    for (auto& a : rig.agents()) pulls.push_back(rig.pull(a->node));
    auto done = [&] {
      for (auto& id : pulls) {
        if (!id.empty() && !rig.pull_finished(id)) return false;
      }
      return true;
    };
    auto point = static_cast<kill_point>(rng() % 3);
    auto victim = rng() % 5;  // 0-2: an agent, 3: the master, 4: the broker
    auto k = 1 + rng() % 4;
    wait_until([&] {
      if (done()) return true;
      if (point == kill_point::after_store) return stored_files(rig.data_dir()).size() >= before + k;
      if (point == kill_point::mid_transfer) {
        std::error_code ec;
        for (std::filesystem::recursive_directory_iterator it(rig.data_dir(), ec), end;
             !ec && it != end; it.increment(ec)) {
          if (it->path().extension() == ".part" && it->file_size(ec) >= k * 1024) return true;
        }
      }
      return false;
    });
    const char* who = victim <= 2 ? "agent" : victim == 3 ? "master" : "broker";
    std::size_t raised = 0;
    for (auto& a : rig.agents()) raised += a->alarm_markers.size();
    std::map<std::string, int> ids, journaled;
    auto all_journaled = [&] {
      rig.journal(ids, journaled);
      return ids.size() >= raised;
    };
    if (victim <= 2) {
      auto& a = *rig.agents()[rng() % rig.agents().size()];
      a.process->kill9();
      ++kills[0];
      BOOST_TEST_REQUIRE(rig.unaccounted() == 0, "round " << round << " agent " << a.node);
      rig.start_agent(a);
    } else if (victim == 3) {
      rig.kill_master();
      ++kills[1];
      BOOST_TEST_REQUIRE(rig.unaccounted() == 0, "round " << round << " master");
      rig.start_master();
    } else {
      rig.mqtt().kill9();
      ++kills[2];
      BOOST_TEST_REQUIRE(rig.unaccounted() == 0, "round " << round << " broker");
      rig.mqtt().start();
      // The process states only on failure: each may run gdb.
      if (!wait_until([&] { return rig.metric("peranda_broker_connected") == 1; },
                      std::chrono::minutes(2))) {
        BOOST_FAIL("master not reconnected to the restarted broker, round "
                   << round << " (master process " << rig.master_process_state()
                   << ")\n--- master:\n" << rig.master_log() << "\n--- broker:\n"
                   << rig.mqtt().log());
      }
    }
    // Not an assertion (that would be a timed one): the final check decides;
    // this only pins a late or lost alarm to the round and kill before it.
    if (!wait_until(all_journaled, std::chrono::seconds(30))) {
      BOOST_TEST_MESSAGE("round " << round << ": " << raised - ids.size()
                                  << " alarm(s) not journaled yet after killing the " << who
                                  << " (" << point_name(point) << ", k=" << k << ")");
    }
    for (auto& a : rig.agents()) {
      if (!wait_until([&] { return rig.node_state(a->node) == "online"; },
                      std::chrono::minutes(2))) {
        BOOST_FAIL(a->node << " not back online, round " << round << " (agent "
                           << a->process->state() << ", master " << rig.master_process_state()
                           << ")\n--- agent:\n" << a->process->log() << "\n--- master:\n"
                           << rig.master_log());
      }
    }
  }
  BOOST_TEST_MESSAGE("kills: agents " << kills[0] << ", master " << kills[1] << ", broker "
                                      << kills[2]);
  rig.require_drained();
  BOOST_TEST(rig.unaccounted() == 0);
  // Every alarm reaches the journal: the agents' outboxes resend until a
  // master confirmed it journaled them, and the journal keeps one entry per id.
  rig.wait_for_alarms();
  rig.check_final();
  BOOST_TEST_MESSAGE("seed " << seed << ": " << stored_files(rig.data_dir()).size()
                             << " files stored (completed transfers)");
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill9_agent_master_broker_during_transfers) {
  // A failing seed stops the run (REQUIRE), so the last seed printed is it.
  for (auto seed : seeds()) run_seed(seed);
}
