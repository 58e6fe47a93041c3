// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/ownership/masters_view.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/mutex.hpp"
#include "master-service/masters/master_overview.hpp"
#include "master-service/metrics/counters.hpp"

namespace peranda::master {

// This master's view of the live masters of its fleet (masters_view, fed
// with every `masters/+/status` on the dispatcher's thread and expired on
// tick()), and so of which nodes are its own: only those it pulls, and only
// their alarms it confirms and hands to the hook. Thread-safe.
class masters_watch {
 public:
  using clock = std::chrono::steady_clock;

  masters_watch(std::string self, master_metrics& metrics);

  void subscribe(const protocol::topic_scheme& topics, mqtt_session::session& session,
                 mqtt_session::dispatcher& inbound);
  // Masters whose beats stopped leave (logged).
  void tick(clock::time_point now);

  bool owns(std::string_view node) const;
  std::optional<std::string> owner_of(std::string_view node) const;
  // Changes whenever the live set does (owners may have moved).
  std::uint64_t generation() const;
  std::vector<std::string> live() const;
  std::vector<protocol::master_entry> entries() const;
  // Every live master (`self` first) with how many of `nodes` it owns.
  std::vector<master_overview> overview(const std::vector<std::string>& nodes,
                                        master_overview self, clock::time_point now) const;

 private:
  void on_status(const mqtt_session::received& r);

  // Constant after construction
  const std::string self_;
  master_metrics& metrics_;

  mutable mutex mu_;
  protocol::masters_view view_ GUARDED_BY(mu_);
};

}  // namespace peranda::master
