// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"

namespace peranda::test {

// Writes a config file for a program under test and starts it; the process
// is stopped by PID when the object dies.
struct program_config {
  program_config(std::string url, std::filesystem::path folder, std::string extra = "")
      : broker_url(std::move(url)), dir(std::move(folder)), broker_extra(std::move(extra)) {}

  std::string broker_url;  // one URL, or a TOML array of them: ["tcp://...", "tcp://..."]
  std::filesystem::path dir;  // its own folder (config, spool or data, log)
  std::string broker_extra;   // more [broker] lines (user name, password, CA)
};

// peranda-agent with node id `node` (ip 127.0.0.1), heartbeat every 200 ms.
// `agent_extra` is appended to the [agent] section (and may add sections).
std::unique_ptr<child_process> start_agent(const program_config& c, const std::string& node,
                                           const std::string& agent_extra = "");
// peranda-master listening for HTTP on a free loopback port (written to
// `http_port`), data in `c.dir / "data"`; `extra_env` as child_process's.
std::unique_ptr<child_process> start_master(const program_config& c, const std::string& id,
                                            std::uint16_t& http_port,
                                            const std::string& master_extra = "",
                                            std::vector<std::string> extra_env = {});

// GET http://127.0.0.1:port/path as JSON (null if unreachable or not JSON).
nlohmann::json http_get_json(std::uint16_t port, const std::string& path);

// One sample of the master's /metrics, e.g. `peranda_x_total{reason="y"}`:
// its value, 0 if absent, -1 if the master did not answer.
double metric(std::uint16_t port, const std::string& sample);

// The node's record from the master's API, or null.
nlohmann::json find_node(std::uint16_t port, const std::string& node);

}  // namespace peranda::test
