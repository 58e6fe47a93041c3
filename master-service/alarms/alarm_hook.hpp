// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "master-service/alarms/hook_queue.hpp"
#include "master-service/metrics/counters.hpp"

namespace peranda::master {

// Runs the configured alarm hook (argv, no shell) once per new alarm with
// the alarm's JSON on stdin. At most `concurrency` run at once, each killed
// after `timeout`. The backlog is shared fairly by nodes (hook_queue): one
// node's flood cannot skip another node's hooks. What is skipped is counted
// by reason (metrics alarm_hooks{outcome="skipped_full"|"skipped_evicted"}).
// Thread-safe; start()/stop() from one thread.
class alarm_hook {
 public:
  static constexpr std::size_t k_backlog = 64;

  alarm_hook(std::vector<std::string> argv, std::chrono::milliseconds timeout, unsigned concurrency,
             master_metrics& metrics);
  ~alarm_hook();

  void start();
  void stop();
  // Never blocks; counts a skipped hook (this one or an evicted one).
  void submit(const std::string& node, std::string alarm_json);

 private:
  void run(std::stop_token stop);
  // Runs the command once; returns the outcome label.
  std::string_view execute(const std::string& input) const;

  // Constant after construction
  const std::vector<std::string> argv_;
  const std::chrono::milliseconds timeout_;
  const unsigned concurrency_;
  master_metrics& metrics_;

  hook_queue pending_;
  std::vector<std::jthread> workers_;
};

}  // namespace peranda::master
