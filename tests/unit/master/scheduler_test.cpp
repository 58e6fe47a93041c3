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

namespace {

master_config config_of(const std::string& id, unsigned workers, std::size_t max_transfers) {
  master_config config;
  config.id = id;
  config.workers = workers;
  config.max_transfers = max_transfers;
  config.pull_interval = 1h;
  return config;
}

// Nodes n0 ... n<count-1> online in `nodes` and added to `s`.
std::vector<std::string> add_nodes(registry& nodes, scheduler& s, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    protocol::heartbeat hb;
    hb.node = fmt::format("n{}", i);
    hb.machine_id = hb.node;
    hb.ip = "10.0.0.1";
    hb.hostname = "h";
    hb.session = 1;
    nodes.apply(hb, registry::clock::now());
    s.add(hb.node);
    out.push_back(hb.node);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(master_scheduler)

// Two workers, two slots, nodes that never answer: however the workers
// interleave, no more than max_transfers pulls may ever be sent. Each send
// wakes the other worker while it is still in flight (as a pull ending
// elsewhere would), which is when a pick not yet counted as open let the
// second worker open more.
BOOST_AUTO_TEST_CASE(pulls_are_counted_open_before_they_are_sent) {
  auto config = config_of("m", 2, 2);

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

  add_nodes(nodes, s, 10);
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
  auto config = config_of("m1", 1, 100);

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
        pulls.on_reply(node,
                       {req.request_id, "m1", protocol::reply_status::empty, {}, "", 1, {}, {}});
        return result<void>{};
      },
      owners);

  std::set<std::string> mine, theirs;
  for (const auto& node : add_nodes(nodes, s, 40)) {
    (view.owns("m1", node) ? mine : theirs).insert(node);
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

// One worker, one transfer slot, pull_interval 0 (every node is always
// due: more nodes due than slots). Every pull is answered `empty` at once,
// after the first one was held until `release()`.
struct all_due_one_slot {
  master_config config = [] {
    auto c = config_of("m", 1, 1);
    c.pull_interval = 0s;
    return c;
  }();
  registry nodes;
  master_metrics metrics{get_logger("test")};
  pull_tracker pulls{metrics};
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::string> sent;
  bool released = false;
  scheduler s{config, nodes, pulls, [this](const std::string& node, const protocol::logs_request& req) {
                std::unique_lock lock(mu);
                sent.push_back(node);
                changed.notify_all();
                changed.wait_for(lock, 30s, [&] { return released; });
                lock.unlock();
                pulls.on_reply(node,
                               {req.request_id, "m", protocol::reply_status::empty, {}, "", 1, {}, {}});
                return result<void>{};
              }};

  void release() {
    std::lock_guard lock(mu);
    released = true;
    changed.notify_all();
  }
  void wait_for_sends(std::size_t n) {
    std::unique_lock lock(mu);
    BOOST_TEST_REQUIRE(changed.wait_for(lock, 30s, [&] { return sent.size() >= n; }));
  }
};

// The worker goes round the queue, each node once per round. A scan from
// the front of the queue pulled n0 again and again.
BOOST_FIXTURE_TEST_CASE(due_nodes_are_pulled_round_robin_when_slots_are_short, all_due_one_slot) {
  constexpr std::size_t k_nodes = 12;
  auto order = add_nodes(nodes, s, k_nodes);
  release();
  s.start();
  wait_for_sends(3 * k_nodes);
  s.stop();
  for (std::size_t i = 0; i < 3 * k_nodes; ++i) BOOST_TEST(sent[i] == order[i % k_nodes], i);
}

// A pull-now goes before the due nodes the cursor would reach first.
BOOST_FIXTURE_TEST_CASE(a_pull_now_goes_before_the_round, all_due_one_slot) {
  auto order = add_nodes(nodes, s, 20);
  s.start();
  wait_for_sends(1);  // order[0], held
  BOOST_TEST_REQUIRE(s.pull_now(order[15]).has_value());
  release();
  wait_for_sends(3);
  s.stop();
  BOOST_TEST(sent[0] == order[0]);
  BOOST_TEST(sent[1] == order[15]);
  BOOST_TEST(sent[2] == order[1]);
}

BOOST_AUTO_TEST_SUITE_END()
