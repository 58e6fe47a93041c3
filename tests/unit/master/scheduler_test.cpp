// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/scheduler.hpp"

#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <mutex>
#include <set>

#include "core/log/log.hpp"
#include "core/protocol/ownership/masters_view.hpp"

using namespace peranda;
using namespace peranda::master;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(master_scheduler)

// Two workers, two slots, nodes that never answer: however the workers
// interleave, no more than max_transfers pulls may ever be sent. Each send
// wakes the other worker while it is still in flight (as a pull ending
// elsewhere would), which is when a pick not yet counted as open let the
// second worker open more.
BOOST_AUTO_TEST_CASE(pulls_are_counted_open_before_they_are_sent) {
  master_config config;
  config.id = "m";
  config.workers = 2;
  config.max_transfers = 2;
  config.pull_interval = 1h;

  registry nodes;
  master_metrics metrics{get_logger("test")};
  pull_tracker pulls(metrics);

  std::mutex mu;
  std::condition_variable changed;
  unsigned sends = 0;
  scheduler* sched = nullptr;
  scheduler s(config, nodes, pulls, [&](const std::string&, const protocol::logs_request&) {
    {
      std::lock_guard lock(mu);
      ++sends;
    }
    changed.notify_all();
    sched->slot_freed();
    // Hold this send open long enough for a wrongly woken worker to send
    // too; returns at once if one does.
    std::unique_lock lock(mu);
    changed.wait_for(lock, 500ms, [&] { return sends > config.max_transfers; });
    return result<void>{};
  });
  sched = &s;

  for (int i = 0; i < 10; ++i) {
    protocol::heartbeat hb;
    hb.node = fmt::format("n{}", i);
    hb.machine_id = hb.node;
    hb.ip = "10.0.0.1";
    hb.hostname = "h";
    hb.session = 1;
    nodes.apply(hb, registry::clock::now());
    s.add(hb.node);
  }
  s.start();
  {
    std::unique_lock lock(mu);
    BOOST_TEST_REQUIRE(changed.wait_for(lock, 30s, [&] { return sends >= config.max_transfers; }));
  }
  s.stop();
  BOOST_TEST(sends == config.max_transfers);
  BOOST_TEST(pulls.open_sent() == config.max_transfers);
}

// Two masters share the nodes: this one (m1) pulls only its own; when m2
// goes, m1 pulls m2's nodes at once, though pull_interval (1 h) is far off.
BOOST_AUTO_TEST_CASE(only_owned_nodes_are_pulled_and_gained_ones_at_once) {
  master_config config;
  config.id = "m1";
  config.workers = 1;
  config.max_transfers = 100;
  config.pull_interval = 1h;

  registry nodes;
  master_metrics metrics{get_logger("test")};
  pull_tracker pulls(metrics);

  std::mutex mu;
  std::condition_variable changed;
  protocol::masters_view view("m1");
  auto t0 = protocol::masters_view::clock::now();
  view.on_status({"m2", protocol::node_state::online, 1, "1", 1, 5000}, t0);
  std::multiset<std::string> sent;
  pull_ownership owners{
      [&] {
        std::lock_guard lock(mu);
        return view.generation();
      },
      [&](const std::string& node) {
        std::lock_guard lock(mu);
        return view.owns("m1", node);
      },
      [&](const std::string& node) {
        std::lock_guard lock(mu);
        return view.owner_of(node);
      }};
  scheduler s(
      config, nodes, pulls,
      [&](const std::string& node, const protocol::logs_request& req) {
        {
          std::lock_guard lock(mu);
          sent.insert(node);
        }
        changed.notify_all();
        pulls.on_reply(node, {req.request_id, "m1", protocol::reply_status::empty, {}, "", 1, {}});
        return result<void>{};
      },
      owners);

  std::set<std::string> mine, theirs;
  for (int i = 0; i < 40; ++i) {
    protocol::heartbeat hb;
    hb.node = fmt::format("n{}", i);
    hb.machine_id = hb.node;
    hb.ip = "10.0.0.1";
    hb.hostname = "h";
    hb.session = 1;
    nodes.apply(hb, registry::clock::now());
    s.add(hb.node);
    (view.owns("m1", hb.node) ? mine : theirs).insert(hb.node);
  }
  BOOST_TEST_REQUIRE(!mine.empty());
  BOOST_TEST_REQUIRE(!theirs.empty());
  BOOST_TEST(!s.pull_now(*theirs.begin()).has_value());  // not ours: a clear error
  s.start();
  {
    std::unique_lock lock(mu);
    BOOST_TEST_REQUIRE(changed.wait_for(lock, 30s, [&] { return sent.size() >= mine.size(); }));
    for (const auto& n : sent) BOOST_TEST(mine.contains(n), n << " pulled but is m2's");
    // m2's Will: its nodes are m1's now and pulled at once.
    view.on_status({"m2", protocol::node_state::lost, 1, "1", 2, 5000}, t0);
  }
  {
    std::unique_lock lock(mu);
    BOOST_TEST_REQUIRE(changed.wait_for(lock, 30s, [&] { return sent.size() >= 40u; }));
    for (const auto& n : theirs) BOOST_TEST(sent.count(n) == 1u, n);
    for (const auto& n : mine) BOOST_TEST(sent.count(n) == 1u, n);  // not again: 1 h interval
  }
  s.stop();
}

BOOST_AUTO_TEST_SUITE_END()
