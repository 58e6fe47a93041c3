// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/messages/logs_request.hpp"

namespace peranda::agent {

// What the uploader does with a master's request on arrival.
enum class admission {
  serve,             // nothing is served: begin it now
  wait,              // queued behind the request being served
  busy_same_master,  // that master already has one served or waiting
  busy_full,         // max_waiting requests wait already
  expired,           // its deadline passed before it arrived
  ignore,            // its master is not online (a stale retained request)
  not_owner,         // another master owns the node (facts.other_owner)
};

// What the uploader knows of the request's master when it arrives.
struct master_facts {
  bool gone = false;                       // its last status was not online
  std::optional<std::string> other_owner;  // the node's owner, if not this master
};

// The uploader's request queue, Sans-I/O: one request served at a time
// (the uploader holds it, with its files), at most `max_waiting` of other
// masters behind it, one per master, served in arrival order. A request
// whose deadline passes while it waits is handed back as expired when its
// turn comes, never served: its master closed that pull and would refuse
// the uploads. Not thread-safe: the uploader's thread owns it.
class request_queue {
 public:
  explicit request_queue(std::size_t max_waiting) : max_waiting_(max_waiting) {}

  // `serving`: the master whose request is being served, if any. On `wait`
  // the request is moved into the queue.
  admission offer(protocol::logs_request& request, std::uint64_t now_ms, const master_facts& facts,
                  const std::optional<std::string>& serving);
  // Nothing is served: the next waiting request still within its deadline;
  // the ones that expired waiting are appended to `expired`.
  std::optional<protocol::logs_request> next(std::uint64_t now_ms,
                                             std::vector<protocol::logs_request>& expired);
  std::size_t waiting() const { return waiting_.size(); }

 private:
  // Constant after construction
  const std::size_t max_waiting_;

  std::deque<protocol::logs_request> waiting_;
};

}  // namespace peranda::agent
