// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "master-service/http/request_guard.hpp"
#include "master-service/master_config.hpp"
#include "master-service/masters/master_overview.hpp"
#include "master-service/metrics/counters.hpp"

namespace httplib {
class Server;
}

namespace peranda::master {

class registry;
class scheduler;
class pull_tracker;
class receiver;
class alarm_journal;
class health_monitor;
class storage_layout;
struct master_metrics;

// What the API reads (and, for pulls, drives). Owned by the master, which
// outlives the server.
// What the master's MQTT session counted (docs/master.md, /metrics).
struct session_counters {
  std::uint64_t fresh_clients = 0;
  std::uint64_t slot_waits_given_up = 0;
  std::uint64_t broker_switches = 0;  // connections to another broker of the list
};

struct api_sources {
  const registry& nodes;
  scheduler& pulls_scheduler;
  const pull_tracker& pulls;
  const receiver& uploads;
  const alarm_journal& alarms;
  const master_metrics& metrics;
  const storage_layout& layout;
  std::function<bool()> broker_connected;
  const health_monitor& health;
  std::function<session_counters()> mqtt_counters;
  // The live masters and who owns a node (one master alone: itself).
  std::function<std::vector<master_overview>()> masters = [] {
    return std::vector<master_overview>{};
  };
  std::function<std::optional<std::string>(std::string_view node)> owner_of =
      [](std::string_view) { return std::optional<std::string>(); };
};

// The master's HTTP API (cpp-httplib): JSON under /api/v1 (a node's stored
// lines as text at /api/v1/nodes/{node}/logs), Prometheus text at /metrics,
// /healthz (200, or 503 with the reasons), and the read-only status page's
// static files at / and /ui/. Every request passes the request_guard (Host
// allow-list, methods, no encoded or large bodies, the bearer token or, with
// none configured, k_request_header on POSTs) before any body is read, and
// runs on a bounded_server (bounded workers, request deadline). Refusals are
// counted by reason (peranda_http_refused_total). Runs its own listener
// thread; start()/stop() from one thread.
class api_server {
 public:
  // At most this many `GET /api/v1/alarms?follow=1` streams at once: each
  // holds one of the server's worker threads.
  static constexpr int k_max_followers = 4;
  // At most this many `GET /api/v1/nodes/{node}/logs` streams at once
  // (followed or not): each holds a worker thread while it runs.
  static constexpr int k_max_log_streams = 4;

  api_server(const master_config& config, api_sources sources);
  ~api_server();

  // Binds (fails with a clear error if the address is taken) and serves in
  // the background.
  [[nodiscard]] result<void> start();
  void stop();

 private:
  void add_guard_and_errors();
  // Counts and logs (first of a reason at once, then a summary at most once
  // a minute) one refused request or connection.
  void refused(std::string_view reason, std::string_view detail);
  void add_node_routes();
  void add_alarm_routes();
  void add_health_route();
  void add_log_routes();
  void add_web_routes();

  // Constant after construction
  const listen_address address_;
  const request_guard guard_;
  const api_sources src_;

  rejection_log refusals_;
  std::atomic<std::int64_t> last_summary_ms_{0};

  std::unique_ptr<httplib::Server> server_;
  std::jthread listener_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> followers_{0};
  std::atomic<int> log_streams_{0};
};

}  // namespace peranda::master
