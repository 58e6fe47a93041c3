// SPDX-License-Identifier: Apache-2.0
// peranda-master: parses arguments, wires the master, runs until SIGTERM/SIGINT.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "core/config/config_document.hpp"
#include "core/log/log.hpp"
#include "core/runtime/signal_loop.hpp"
#include "master-service/master.hpp"

int main(int argc, char** argv) {
  using namespace peranda;
  CLI::App app{"peranda-master: collects logs and alarms from peranda agents over MQTT"};
  std::string config_path = "/etc/peranda/master.toml";
  std::string log_level = "info";
  bool check_config = false;
  bool help_config = false;
  app.add_option("-c,--config", config_path, "Configuration file (TOML)")->capture_default_str();
  app.add_flag("--check-config", check_config, "Validate the configuration and exit");
  app.add_flag("--help-config", help_config, "Print every configuration key and exit");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (help_config) {
    std::fputs(describe_keys(master::master_keys()).c_str(), stdout);
    return 0;
  }
  if (auto ok = set_log_level(log_level); !ok) {
    std::fprintf(stderr, "peranda-master: %s\n", ok.error().message.c_str());
    return 2;
  }
  auto config = master::load_master_config(config_path);
  if (!config) {
    std::fprintf(stderr, "peranda-master: configuration error:\n%s\n",
                 config.error().message.c_str());
    return 2;
  }
  if (check_config) {
    std::printf("%s: ok (master '%s')\n", config_path.c_str(), config->id.c_str());
    return 0;
  }

  block_signals();
  master::master m(std::move(*config));
  if (auto ok = m.start(); !ok) {
    get_logger("master")->critical("{}", ok.error().message);
    return 1;
  }
  run_signal_loop({.on_reload = {}, .on_tick = [&] { m.tick(); }});
  m.stop();
  return 0;
}
