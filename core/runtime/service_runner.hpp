// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace peranda {

// One running instance of a program's main object (an agent, a master),
// as the runner sees it. Destroying it stops it cleanly. Main thread only.
class service_instance {
 public:
  virtual ~service_instance() = default;
  // Connected to the broker with the subscriptions sent: what READY=1 means.
  virtual bool ready() const = 0;
  // One line for `systemctl status` (STATUS=).
  virtual std::string status() const = 0;
  // Housekeeping from the main loop, about once a second.
  virtual void tick() {}
};

// A validated configuration, not yet acted on.
struct loaded_config {
  std::string summary;  // "node 'web-01'", printed by --check-config
  std::function<result<std::unique_ptr<service_instance>>()> start;
};

// A loaded_config whose start() builds an `Instance` from a copy of `config`
// and calls its `result<void> start()`. Instance: a service_instance
// constructible from Config.
template <class Instance, class Config>
loaded_config make_loaded_config(std::string summary, Config config) {
  return {std::move(summary),
          [config = std::move(config)]() -> result<std::unique_ptr<service_instance>> {
            auto instance = std::make_unique<Instance>(config);
            if (auto ok = instance->start(); !ok) return std::unexpected(ok.error());
            return std::unique_ptr<service_instance>(std::move(instance));
          }};
}

// What differs between the programs; everything else is run_service's.
struct service_definition {
  std::string program;  // "peranda-agent": prefixes messages to the terminal
  // Reads and validates the file; never starts anything.
  std::function<result<loaded_config>(const std::filesystem::path&)> load;
};

// The command line every service shares.
struct service_cli {
  std::filesystem::path config;
  std::string log_level = "info";
  bool check_config = false;
  bool daemon = false;
  std::filesystem::path pid_file;
  std::filesystem::path log_file;
};

// Declares --config, --log-level, --check-config, --daemon, --pidfile and
// --log-file on `app`, bound to `cli` (whose config holds the default).
void add_service_options(CLI::App& app, service_cli& cli);

// The process model of both programs:
// - foreground by default, for systemd Type=notify: READY=1 once the
//   instance is ready (or, so that an unreachable broker does not fail the
//   start, after a grace period, saying so in STATUS=), WATCHDOG=1 from this
//   loop, STOPPING=1 on the way out;
// - --daemon: detaches (see daemonize) after taking the --pidfile lock, so
//   a second start refuses on the caller's terminal;
// - SIGHUP: validates the file again; a bad file is reported and the running
//   instance kept, a good one replaces it (stop, then start with the new one);
// - SIGTERM/SIGINT: clean stop.
// Returns the exit code: 0 after a clean stop, 1 when it cannot run, 2 for a
// bad configuration or usage.
int run_service(const service_definition& def, const service_cli& cli);

}  // namespace peranda
