// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/alarm_hook.hpp"

#include "core/log/log.hpp"
#include "core/process/child_process.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.alarm_hook");
  return l;
}

}  // namespace

alarm_hook::alarm_hook(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                       unsigned concurrency, master_metrics& metrics)
    : argv_(std::move(argv)),
      timeout_(timeout),
      concurrency_(concurrency),
      metrics_(metrics),
      pending_(k_backlog) {}

alarm_hook::~alarm_hook() { stop(); }

void alarm_hook::start() {
  if (argv_.empty()) return;
  for (unsigned i = 0; i < concurrency_; ++i) {
    workers_.emplace_back([this](std::stop_token stop) { run(stop); });
  }
}

void alarm_hook::stop() {
  for (auto& w : workers_) w.request_stop();
  pending_.close();
  workers_.clear();
}

void alarm_hook::submit(const std::string& node, std::string alarm_json) {
  if (argv_.empty()) return;
  switch (pending_.push(node, std::move(alarm_json))) {
    case hook_queue::outcome::queued:
    case hook_queue::outcome::closed:
      return;
    case hook_queue::outcome::evicted:
      return metrics_.alarm_hooks.add("skipped_evicted");
    case hook_queue::outcome::full:
      return metrics_.alarm_hooks.add("skipped_full");
  }
}

void alarm_hook::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto input = pending_.pop_for(std::chrono::milliseconds(500));
    if (!input) continue;
    metrics_.alarm_hooks.add(execute(*input));
  }
}

std::string_view alarm_hook::execute(const std::string& input) const {
  child_spec spec;
  spec.argv = argv_;
  spec.timeout = timeout_;
  spec.input = input + '\n';
  // Output is inherited: what a hook prints goes to the master's log.
  auto r = run_child(spec);
  if (!r.spawn_error.empty()) {
    log()->error("alarm hook: {}", r.spawn_error);
    return "failed";
  }
  if (r.timed_out) {
    log()->warn("alarm hook '{}' ran longer than {} ms; killed", argv_[0], timeout_.count());
    return "timed_out";
  }
  if (r.exit_code == 0) return "ok";
  if (r.signal != 0) {
    log()->warn("alarm hook '{}' failed (killed by signal {})", argv_[0], r.signal);
  } else {
    log()->warn("alarm hook '{}' failed (exit code {})", argv_[0], r.exit_code);
  }
  return "failed";
}

}  // namespace peranda::master
