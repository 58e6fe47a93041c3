// SPDX-License-Identifier: Apache-2.0
// peranda-agent: parses arguments, wires the agent, runs until SIGTERM/SIGINT.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "core/config/config_document.hpp"
#include "core/log/log.hpp"
#include "core/runtime/signal_loop.hpp"
#include "node-agent/agent.hpp"

int main(int argc, char** argv) {
  using namespace peranda;
  CLI::App app{"peranda-agent: collects logs and alarms on this host and sends them over MQTT"};
  std::string config_path = "/etc/peranda/agent.toml";
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
    std::fputs(describe_keys(agent::agent_keys()).c_str(), stdout);
    return 0;
  }
  if (auto ok = set_log_level(log_level); !ok) {
    std::fprintf(stderr, "peranda-agent: %s\n", ok.error().message.c_str());
    return 2;
  }
  auto config = agent::load_agent_config(config_path);
  if (!config) {
    std::fprintf(stderr, "peranda-agent: configuration error:\n%s\n",
                 config.error().message.c_str());
    return 2;
  }
  if (check_config) {
    std::printf("%s: ok (node '%s')\n", config_path.c_str(), config->node_id.c_str());
    return 0;
  }

  block_signals();
  agent::agent agent(std::move(*config));
  if (auto ok = agent.start(); !ok) {
    get_logger("agent")->critical("{}", ok.error().message);
    return 1;
  }
  run_signal_loop({});
  agent.stop();
  return 0;
}
