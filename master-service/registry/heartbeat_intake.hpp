// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>

#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "master-service/metrics/counters.hpp"
#include "master-service/registry/registry.hpp"
#include "master-service/scheduler/scheduler.hpp"

namespace peranda::master {

// The nodes' heartbeats (the only topic whose retained messages are
// taken): each one that decodes and names its topic's node goes into the
// registry, and a node new or changed joins the scheduler's queues.
// Handled on the dispatcher's thread.
class heartbeat_intake {
 public:
  // `observe` sees every valid heartbeat with what the registry made of it,
  // and whether it came as the broker's retained message (the fleet alarms).
  using observer = std::function<void(const protocol::heartbeat&, apply_outcome, bool retained)>;

  heartbeat_intake(registry& nodes, scheduler& queues, master_metrics& metrics,
                   observer observe);

  // REQUIRES: before session.start().
  void subscribe(const protocol::topic_scheme& topics, mqtt_session::session& session,
                 mqtt_session::dispatcher& inbound);

 private:
  void on_heartbeat(const mqtt_session::received& r);

  registry& nodes_;
  scheduler& scheduler_;
  master_metrics& metrics_;
  const observer observe_;
};

}  // namespace peranda::master
