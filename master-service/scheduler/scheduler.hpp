// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <set>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/util/mutex.hpp"
#include "master-service/master_config.hpp"
#include "master-service/registry/registry.hpp"
#include "master-service/scheduler/pull_tracker.hpp"
#include "master-service/scheduler/queue_set.hpp"

namespace peranda::master {

// Which nodes are this master's; `generation` changes whenever owners may
// have, so a worker asks `owns` again only then. Default: all (one master).
struct pull_ownership {
  std::function<std::uint64_t()> generation = [] { return std::uint64_t{0}; };
  std::function<bool(const std::string& node)> owns = [](const std::string&) { return true; };
  std::function<std::optional<std::string>(const std::string& node)> owner_of =
      [](const std::string&) { return std::optional<std::string>(); };
  // A node this master stored files of that it still has to ask about
  // (unconfirmed_ledger): pulled, owned or not, so that the reply (most
  // often `not_owner`) answers who completed them.
  std::function<bool(const std::string& node)> must_confirm = [](const std::string&) {
    return false;
  };
};

// One worker queue as the API and /metrics show it.
struct queue_view {
  unsigned index = 0;
  std::vector<std::string> nodes;
  // Seconds since the most overdue node of the queue was last pulled well
  // (or joined, if never), beyond pull_interval; 0 when nobody is late.
  double lag_s = 0;
};

// `workers` queues, each served by its own std::jthread. A node joins the
// shortest queue once (registry order decides ties); its worker sends it a
// logs request every pull_interval, and at once after pull_now(). A worker
// looks at its queue round-robin from where its last pick stopped, so when
// more nodes are due than transfer slots allow, every due node is pulled
// once before any is pulled again (a scan from the front let the head of a
// queue take every pull: docs/benchmarks.md); pull-now nodes go first. Nodes
// that are not online (offline, lost, stale) are skipped until they are
// back. At most max_transfers pulls are open at once, so what the master
// invites (open pulls x window) stays far below the broker's queue limits.
// Workers never wait on an agent: a stalled upload only holds its own pull
// open until its deadline. With several masters a worker pulls only the
// nodes `pull_ownership` says are this master's (decide_pull). Thread-safe;
// start()/stop() from one thread.
class scheduler {
 public:
  using clock = std::chrono::steady_clock;
  using request_sender =
      std::function<result<void>(const std::string& node, const protocol::logs_request&)>;
  scheduler(const master_config& config, const registry& nodes, pull_tracker& pulls,
            request_sender send, pull_ownership owners = {});
  ~scheduler();

  void start();
  void stop();

  // Puts a node into a queue (no-op if it has one); returns the queue.
  unsigned add(const std::string& node);
  void remove(const std::string& node);
  // A pull ended: a worker whose last look found a due node but no free
  // slot looks again now instead of at its next idle tick (500 ms), so a
  // freed transfer slot is reused at once. Without it a master was limited
  // to max_transfers pulls per 0.5 s (10,000 nodes at 60 s need 167
  // pulls/s; docs/benchmarks.md). A worker that found every due node a
  // slot has nothing new to do: it is not woken to scan its whole queue.
  void slot_freed();
  // Asks for a pull of `node` as soon as it is pullable; returns the request
  // id (the already queued one if a pull-now is pending).
  [[nodiscard]] result<std::string> pull_now(const std::string& node);

  std::vector<queue_view> queues(clock::time_point now) const;

 private:
  struct node_slot {
    clock::time_point joined{};
    clock::time_point last_request{};
    bool requested_once = false;
    std::optional<std::string> pending_id;  // an on-demand pull waiting
    bool owned = false;                      // at owned_generation
    std::optional<std::uint64_t> owned_generation;
  };
  struct due_pull {
    std::string node;
    std::string request_id;
  };
  enum class pick { skip, taken, full };
  void run(unsigned queue, std::stop_token stop);
  // Picks the due nodes of `queue` and marks their pulls sent before mu_
  // is released, so that the other workers count them as open: two
  // workers picking at once could otherwise open 2 x max_transfers.
  std::vector<due_pull> due_nodes(unsigned queue, clock::time_point now) REQUIRES(mu_);
  // Takes `node` into `out` if it is due and a slot is free.
  pick consider(const std::string& node, clock::time_point now, std::vector<due_pull>& out)
      REQUIRES(mu_);
  void send_pull(const due_pull& due);
  // Whether this master owns `node` now, and whether it just gained it.
  std::pair<bool, bool> ownership_of(const std::string& node, node_slot& slot) REQUIRES(mu_);

  // Constant after construction
  const master_config& config_;
  const registry& nodes_;
  pull_tracker& pulls_;
  const request_sender send_;
  const pull_ownership owners_;

  mutable mutex mu_;
  std::condition_variable_any wake_;
  queue_set queues_ GUARDED_BY(mu_);
  std::unordered_map<std::string, node_slot> slots_ GUARDED_BY(mu_);
  std::vector<std::size_t> cursors_ GUARDED_BY(mu_);  // per queue: where its next scan starts
  std::set<std::string, std::less<>> on_demand_ GUARDED_BY(mu_);  // nodes with a pending_id
  std::uint64_t wakeups_ GUARDED_BY(mu_) = 0;  // bumped by pull_now to wake idle workers
  std::uint64_t slots_freed_ GUARDED_BY(mu_) = 0;
  std::vector<bool> short_of_slots_ GUARDED_BY(mu_);  // per queue, at its last scan

  std::vector<std::jthread> workers_;
};

}  // namespace peranda::master
