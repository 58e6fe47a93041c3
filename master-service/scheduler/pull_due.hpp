// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

namespace peranda::master {

// What the scheduler knows of one node when a worker looks at it.
struct pull_due_inputs {
  using duration = std::chrono::steady_clock::duration;
  bool owned = true;           // this master owns the node in its view now
  bool gained = false;         // ...and did not at its last look
  bool requested_once = false;
  bool on_demand = false;      // a pull-now is waiting
  duration since_request{};    // since the last request of it
  duration interval{};         // pull_interval
  unsigned not_owner_count = 0;  // pulls in a row the agent answered not_owner
  duration since_not_owner{};    // since the last of them
};

enum class pull_due { not_mine, not_yet, now };

// Whether a node is pulled now. Only the owner pulls; a node just gained
// is pulled at once (so failover takes no extra pull_interval). After
// not_owner replies (the agent's view differs, mostly for a moment while
// a master comes or goes) it asks again after 1 s, 2 s, 4 s, ... at most
// pull_interval: never a tight loop, and soon once the views agree.
[[nodiscard]] pull_due decide_pull(const pull_due_inputs& in);

// The wait after `count` not_owner replies in a row.
[[nodiscard]] std::chrono::steady_clock::duration not_owner_backoff(
    unsigned count, std::chrono::steady_clock::duration interval);

}  // namespace peranda::master
