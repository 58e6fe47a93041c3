// SPDX-License-Identifier: Apache-2.0
// peranda-master: parses arguments, wires the master, runs until SIGTERM/SIGINT.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "core/runtime/command_line.hpp"
#include "core/runtime/openssl_at_exit.hpp"
#include "core/config/config_document.hpp"
#include "core/runtime/service_runner.hpp"
#include "master-service/master.hpp"

namespace {

using namespace peranda;

// The master as the runner sees it.
class running_master final : public service_instance {
 public:
  explicit running_master(master::master_config config)
      : id_(config.id), url_(config.broker.url_text()), master_(std::move(config)) {}
  [[nodiscard]] result<void> start() { return master_.start(); }
  bool ready() const override { return master_.ready(); }
  std::string status() const override {
    return fmt::format("master '{}' {} {}, {} node(s) known", id_,
                       master_.ready() ? "connected to" : "connecting to", url_,
                       master_.nodes().size());
  }
  void tick() override { master_.tick(); }

 private:
  // Constant after construction
  const std::string id_;
  const std::string url_;

  master::master master_;
};

result<loaded_config> load(const std::filesystem::path& path) {
  auto config = master::load_master_config(path);
  if (!config) return std::unexpected(config.error());
  // Argument order is unspecified: read the id before the config is moved.
  auto summary = fmt::format("master '{}'", config->id);
  return make_loaded_config<running_master>(std::move(summary), std::move(*config));
}

}  // namespace

int main(int argc, char** argv) {
  peranda::keep_openssl_until_exit();
  CLI::App app{"peranda-master: collects logs and alarms from peranda agents over MQTT", "peranda-master"};
  service_cli cli;
  cli.config = "/etc/peranda/master.toml";
  bool help_config = false;
  add_service_options(app, cli);
  app.add_flag("--help-config", help_config, "Print every configuration key and exit");
  if (auto exit_code = parse_command_line(app, argc, argv)) return *exit_code;

  if (help_config) {
    std::fputs(describe_keys(master::master_keys()).c_str(), stdout);
    return 0;
  }
  return run_service({"peranda-master", load}, cli);
}
