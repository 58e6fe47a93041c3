// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/protocol/messages/heartbeat.hpp"

namespace peranda::agent {

// Who this agent is, fixed for the life of the process.
struct node_identity {
  std::string node;
  std::string machine_id;
  std::string ip;
  std::string hostname;
  std::uint64_t session = 0;
  std::string version;
};

// What the agent's heartbeat says and how it answers its own retained
// heartbeat read back from the broker, as a Sans-I/O state machine: it is
// told the time, and presence does the publishing. Not thread-safe.
class presence_machine {
 public:
  using clock = std::chrono::steady_clock;

  // What to do about our own retained heartbeat as the broker holds it.
  enum class echo_action {
    none,            // our `online` of this session: nothing to correct
    publish_online,  // not a heartbeat, a Will, an `offline` or an older session's
    other_agent,     // a newer session: another agent uses our node id
  };

  presence_machine(node_identity id, clock::time_point started)
      : id_(std::move(id)), started_(started) {}

  // The next heartbeat (without backlog and counters): `seq` counts every
  // heartbeat built, from 0; `uptime_s` runs from `started`.
  protocol::heartbeat next(protocol::node_state state, clock::time_point now,
                           std::uint64_t wall_ms);
  // `echo`: the retained heartbeat, nullopt when it does not decode.
  echo_action on_echo(const std::optional<protocol::heartbeat>& echo) const;

  const node_identity& identity() const { return id_; }

 private:
  // Constant after construction
  const node_identity id_;
  const clock::time_point started_;

  std::uint64_t seq_ = 0;
};

}  // namespace peranda::agent
