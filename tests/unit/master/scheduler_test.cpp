// SPDX-License-Identifier: Apache-2.0
#include "master-service/scheduler/scheduler.hpp"

#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <mutex>

#include "core/log/log.hpp"

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

BOOST_AUTO_TEST_SUITE_END()
