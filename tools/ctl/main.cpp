// SPDX-License-Identifier: Apache-2.0
// peranda-ctl: the operator's view of a running master, through its HTTP API.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "core/config/units.hpp"
#include "core/runtime/command_line.hpp"
#include "core/runtime/openssl_at_exit.hpp"
#include "master-service/master_config.hpp"
#include "tools/ctl/api_client.hpp"
#include "tools/ctl/commands.hpp"

int main(int argc, char** argv) {
  peranda::keep_openssl_until_exit();
  using namespace peranda;
  CLI::App app{"peranda-ctl: inspect and steer a running peranda-master", "peranda-ctl"};
  std::string config_path;
  std::string master_url;
  bool json = false;
  app.add_option("-c,--config", config_path, "The master's configuration file (finds its API)");
  app.add_option("-m,--master", master_url,
                 "Base URL of the master's API, e.g. http://127.0.0.1:8641");
  app.add_flag("--json", json, "Print the API's JSON instead of a table");
  app.require_subcommand(1);
  app.fallthrough();
  auto* nodes = app.add_subcommand("nodes", "List known nodes and their state");
  bool watch = false;
  std::string watch_every = "2s";
  nodes->add_flag("-w,--watch", watch,
                  "Redraw the table every --interval (on a terminal; plain repeated tables "
                  "otherwise) until interrupted");
  nodes->add_option("--interval", watch_every, "With --watch: how often")->capture_default_str();
  auto* pull = app.add_subcommand("pull", "Pull a node's closed log files now");
  std::string pull_node;
  bool wait = false;
  pull->add_option("node", pull_node, "Node id")->required();
  pull->add_flag("--wait", wait, "Show progress until the files are stored");
  std::string wait_limit = "10m";
  pull->add_option("--timeout", wait_limit, "With --wait: give up after this long (0: never)")
      ->capture_default_str();
  auto* alarms = app.add_subcommand("alarms", "Show recent alarms");
  std::uint64_t since = 0;
  bool follow = false;
  alarms->add_option("--since", since, "Only alarms received since (Unix ms)");
  alarms->add_flag("-f,--follow", follow, "Keep printing new alarms as they arrive");
  auto* transfers = app.add_subcommand("transfers", "Show transfers in progress and queues");
  auto* masters = app.add_subcommand("masters", "Show the live masters and the nodes each owns");
  auto* logs = app.add_subcommand("logs", "Print a node's stored log lines");
  ctl::logs_options logs_opts;
  std::string logs_since;
  std::string logs_until;
  logs->add_option("node", logs_opts.node, "Node id")->required();
  logs->add_option("--since", logs_since, "Only lines of the last D, e.g. 1h, 30m");
  logs->add_option("--until", logs_until, "Only lines older than D ago");
  logs->add_option("--grep", logs_opts.grep, "Only lines matching this RE2 expression");
  logs->add_option("--tail", logs_opts.tail, "Only the last N lines (at most 10000)");
  logs->add_flag("-f,--follow", logs_opts.follow, "Keep printing lines as new pulls land");
  logs->add_flag("--fresh", logs_opts.fresh, "Pull the node first and wait for it");
  if (auto exit_code = peranda::parse_command_line(app, argc, argv)) return *exit_code;

  std::string token;
  if (master_url.empty()) {
    if (config_path.empty()) config_path = "/etc/peranda/master.toml";
    // peranda-ctl only sends the token to this config's master, so it reads
    // the file whoever owns it (root, or an operator of the master's group).
    auto config = master::load_master_config(config_path, master::token_file_owner::anyone);
    if (!config) {
      std::fprintf(stderr, "peranda-ctl: %s\n", config.error().message.c_str());
      return 2;
    }
    master_url = config->http_listen.url();
    token = config->http_token;
  }
  auto limit = parse_duration(wait_limit);
  if (!limit) {
    std::fprintf(stderr, "peranda-ctl: --timeout: %s\n", limit.error().message.c_str());
    return 2;
  }
  auto every = parse_duration(watch_every);
  if (!every || every->count() <= 0) {
    std::fprintf(stderr, "peranda-ctl: --interval: %s\n",
                 every ? "must be positive" : every.error().message.c_str());
    return 2;
  }
  for (auto [text, into] : {std::pair{&logs_since, &logs_opts.since},
                             std::pair{&logs_until, &logs_opts.until}}) {
    if (text->empty()) continue;
    auto d = parse_duration(*text);
    if (!d) {
      std::fprintf(stderr, "peranda-ctl: logs: '%s': %s\n", text->c_str(), d.error().message.c_str());
      return 2;
    }
    *into = *d;
  }
  logs_opts.fresh_limit = *limit;
  ctl::api_client client(master_url, token);
  result<void> outcome;
  if (*nodes) {
    outcome = watch ? ctl::watch_nodes(client, json, *every) : ctl::print_nodes(client, json);
  }
  if (*pull) outcome = ctl::pull_node(client, pull_node, wait, *limit, json);
  if (*alarms) outcome = ctl::print_alarms(client, since, follow, json);
  if (*transfers) outcome = ctl::print_transfers(client, json);
  if (*masters) outcome = ctl::print_masters(client, json);
  if (*logs) outcome = ctl::print_logs(client, logs_opts);
  if (!outcome) {
    std::fprintf(stderr, "peranda-ctl: %s\n", outcome.error().message.c_str());
    return 1;
  }
  return 0;
}
