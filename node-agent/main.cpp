// SPDX-License-Identifier: Apache-2.0
// peranda-agent: parses arguments, wires the agent, runs until SIGTERM/SIGINT.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "core/runtime/command_line.hpp"
#include "core/runtime/openssl_at_exit.hpp"
#include "core/config/config_document.hpp"
#include "core/log/log.hpp"
#include "core/runtime/service_runner.hpp"
#include "node-agent/agent.hpp"
#include "node-agent/health/agent_health.hpp"
#include "node-agent/check_connection.hpp"

namespace {

using namespace peranda;

// The agent as the runner sees it.
class running_agent final : public service_instance {
 public:
  explicit running_agent(agent::agent_config config) : agent_(std::move(config)) {}
  [[nodiscard]] result<void> start() { return agent_.start(); }
  bool ready() const override { return agent_.ready(); }
  std::string status() const override {
    const auto& c = agent_.config();
    return fmt::format("node '{}' {} {}; health {}", c.node_id,
                       agent_.ready() ? "connected to" : "connecting to", c.broker.url_text(),
                       agent::summarize(agent_.health()));
  }

 private:
  agent::agent agent_;
};

result<loaded_config> load(const std::filesystem::path& path) {
  auto config = agent::load_agent_config(path);
  if (!config) return std::unexpected(config.error());
  // Argument order is unspecified: read the id before the config is moved.
  auto summary = fmt::format("node '{}'", config->node_id);
  return make_loaded_config<running_agent>(std::move(summary), std::move(*config));
}

int check(const std::filesystem::path& path) {
  auto config = agent::load_agent_config(path);
  if (!config) {
    std::fprintf(stderr, "peranda-agent: configuration error:\n%s\n",
                 config.error().message.c_str());
    return 2;
  }
  std::printf("checking the connection of node '%s' to %s\n", config->node_id.c_str(),
              config->broker.url_text().c_str());
  if (auto ok = agent::check_connection(*config, stdout); !ok) {
    std::fflush(stdout);
    std::fprintf(stderr, "FAILED: %s\n", ok.error().message.c_str());
    return 1;
  }
  std::printf("connection ok\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  peranda::keep_openssl_until_exit();
  CLI::App app{"peranda-agent: collects logs and alarms on this host and sends them over MQTT", "peranda-agent"};
  service_cli cli;
  cli.config = "/etc/peranda/agent.toml";
  bool help_config = false;
  bool check_connection = false;
  add_service_options(app, cli);
  app.add_flag("--help-config", help_config, "Print every configuration key and exit");
  app.add_flag("--check-connection", check_connection,
               "Connect to the broker once, explain what fails in plain words, and exit "
               "(0: all good)");
  if (auto exit_code = parse_command_line(app, argc, argv)) return *exit_code;

  if (help_config) {
    std::fputs(describe_keys(agent::agent_keys()).c_str(), stdout);
    return 0;
  }
  if (check_connection) {
    if (auto ok = set_log_level(cli.log_level); !ok) {
      std::fprintf(stderr, "peranda-agent: %s\n", ok.error().message.c_str());
      return 2;
    }
    return check(cli.config);
  }
  return run_service({"peranda-agent", load}, cli);
}
