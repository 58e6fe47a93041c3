// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/service_runner.hpp"

#include <chrono>
#include <cstdio>
#include <optional>

#include "core/log/log.hpp"
#include "core/runtime/daemon.hpp"
#include "core/runtime/pid_file.hpp"
#include "core/runtime/service_notifier.hpp"
#include "core/runtime/signal_loop.hpp"

namespace peranda {
namespace {

using clock = std::chrono::steady_clock;

// systemd's default TimeoutStartSec is 90 s. An agent that cannot reach its
// broker must still run (it keeps spooling logs and alarms), so after this
// long READY=1 goes out anyway, with STATUS= saying what is missing.
constexpr std::chrono::seconds k_ready_grace{45};

auto log() {
  static auto l = get_logger("runtime");
  return l;
}

// The running instance and how it was started, so a failed reload can fall
// back to the configuration that worked. Main thread only.
class supervisor {
 public:
  supervisor(const service_definition& def, const service_cli& cli, loaded_config config)
      : def_(def), cli_(cli), config_(std::move(config)) {}

  result<void> start() {
    auto started = config_.start();
    if (!started) return std::unexpected(started.error());
    instance_ = std::move(*started);
    started_at_ = clock::now();
    ready_sent_ = false;
    return {};
  }

  void tick() {
    instance_->tick();
    notifier_.watchdog_ping(std::chrono::steady_clock::now());
    if (ready_sent_) {
      notifier_.status(instance_->status());
    } else if (instance_->ready()) {
      notifier_.ready(instance_->status());
      ready_sent_ = true;
    } else if (clock::now() - started_at_ >= k_ready_grace) {
      notifier_.ready("running, but not ready: " + instance_->status());
      ready_sent_ = true;
    } else {
      notifier_.status(instance_->status());
    }
  }

  // Returns false when neither the new nor the old configuration runs.
  bool reload() {
    notifier_.reloading();
    if (auto ok = reopen_log(cli_.log_file); !ok) log()->error("reload: {}", ok.error().message);
    auto next = def_.load(cli_.config);
    if (!next) {
      log()->error("reload refused, keeping the running configuration: {}", next.error().message);
      notifier_.ready("configuration reload refused (see log); " + instance_->status());
      return true;
    }
    log()->info("reload: configuration '{}' is valid ({}); restarting with it",
                cli_.config.string(), next->summary);
    instance_.reset();
    auto previous = std::exchange(config_, std::move(*next));
    auto started = start();
    if (started) return true;
    log()->error(
        "reload: cannot start with the new configuration: {}; going back to the "
        "previous one",
        started.error().message);
    config_ = std::move(previous);
    if (auto ok = start(); !ok) {
      log()->critical("cannot start with the previous configuration either: {}",
                      ok.error().message);
      return false;
    }
    return true;
  }

  void stop() {
    notifier_.stopping();
    instance_.reset();
  }

  std::chrono::milliseconds tick_interval() const {
    std::chrono::milliseconds tick{1000};
    return notifier_.watchdog_enabled() ? std::min(tick, notifier_.watchdog_interval()) : tick;
  }

 private:
  // Constant after construction
  const service_definition& def_;
  const service_cli& cli_;

  loaded_config config_;
  std::unique_ptr<service_instance> instance_;
  service_notifier notifier_;
  clock::time_point started_at_;
  bool ready_sent_ = false;
};

}  // namespace

void add_service_options(CLI::App& app, service_cli& cli) {
  auto* config =
      app.add_option("-c,--config", cli.config, "Configuration file (TOML)")->capture_default_str();
  // `--check-config FILE` reads as people type it: the file is a positional.
  app.add_option("config_file", cli.config, "Configuration file (TOML), instead of --config")
      ->excludes(config);
  app.add_flag("--check-config", cli.check_config, "Validate the configuration and exit");
  app.add_option("--log-level", cli.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_flag("--daemon", cli.daemon,
               "Detach and run in the background (hosts without systemd; systemd units run "
               "in the foreground)");
  app.add_option("--pidfile", cli.pid_file,
                 "Write our pid to this file, locked: a second instance refuses to start");
  app.add_option("--log-file", cli.log_file,
                 "With --daemon: append logs to this file (reopened on SIGHUP) instead of "
                 "discarding them");
}

int run_service(const service_definition& def, const service_cli& cli) {
  const char* name = def.program.c_str();
  if (auto ok = set_log_level(cli.log_level); !ok) {
    std::fprintf(stderr, "%s: %s\n", name, ok.error().message.c_str());
    return 2;
  }
  if (!cli.log_file.empty() && !cli.daemon) {
    std::fprintf(stderr, "%s: --log-file only applies with --daemon (else logs go to stderr)\n",
                 name);
    return 2;
  }
  auto config = def.load(cli.config);
  if (!config) {
    std::fprintf(stderr, "%s: configuration error:\n%s\n", name, config.error().message.c_str());
    return 2;
  }
  if (cli.check_config) {
    std::printf("%s: ok (%s)\n", cli.config.c_str(), config->summary.c_str());
    return 0;
  }

  std::unique_ptr<pid_file> pid;
  if (!cli.pid_file.empty()) {
    auto acquired = pid_file::acquire(cli.pid_file);
    if (!acquired) {
      std::fprintf(stderr, "%s: %s\n", name, acquired.error().message.c_str());
      return 1;
    }
    pid = std::move(*acquired);
  }
  std::optional<daemon_handshake> handshake;
  if (cli.daemon) {
    auto detached = daemonize(cli.log_file);
    if (!detached) {
      std::fprintf(stderr, "%s: %s\n", name, detached.error().message.c_str());
      return 1;
    }
    handshake.emplace(std::move(*detached));
  }
  auto fail = [&](const std::string& message) {
    log()->critical("{}", message);
    if (handshake) handshake->failed(def.program + ": " + message);
    return 1;
  };
  if (pid) {
    if (auto ok = pid->write_pid(); !ok) return fail(ok.error().message);
  }

  block_signals();
  supervisor service(def, cli, std::move(*config));
  if (auto ok = service.start(); !ok) return fail(ok.error().message);
  if (handshake) handshake->succeeded();

  bool broken = false;
  signal_handlers handlers;
  handlers.tick = service.tick_interval();
  handlers.on_tick = [&] { service.tick(); };
  handlers.on_reload = [&] { broken = broken || !service.reload(); };
  // A reload that left nothing running ends the loop like a stop would,
  // so the service manager sees the failure and restarts us.
  handlers.should_stop = [&] { return broken; };
  service.tick();
  run_signal_loop(handlers);
  service.stop();
  return broken ? 1 : 0;
}

}  // namespace peranda
