// SPDX-License-Identifier: Apache-2.0
#include "tests/support/programs.hpp"

#include <fstream>

#include <httplib.h>

#include "tests/support/broker.hpp"

namespace peranda::test {
namespace {

// `url = ...`: quoted, unless the test gave a TOML array (a broker list).
std::string url_line(const std::string& url) {
  return url.starts_with("[") ? "url = " + url + "\n" : "url = \"" + url + "\"\n";
}

}  // namespace

std::unique_ptr<child_process> start_agent(const program_config& c, const std::string& node,
                                           const std::string& agent_extra) {
  std::filesystem::create_directories(c.dir);
  auto config = c.dir / "agent.toml";
  std::ofstream(config) << "[broker]\n" << url_line(c.broker_url) << "keepalive = \"2s\"\n"
                        << c.broker_extra << "[agent]\nnode_id = \"" << node << "\"\nip = \"127.0.0.1\"\n"
                        << "spool_dir = \"" << (c.dir / "spool").string() << "\"\n"
                        << "heartbeat_interval = \"200ms\"\n"
                        << agent_extra << "\n";
  return std::make_unique<child_process>(
      std::vector<std::string>{program("peranda-agent"), "--config", config.string(),
                               "--log-level", "debug"},
      c.dir / "agent.log");
}

std::unique_ptr<child_process> start_master(const program_config& c, const std::string& id,
                                            std::uint16_t& http_port,
                                            const std::string& master_extra,
                                            std::vector<std::string> extra_env) {
  std::filesystem::create_directories(c.dir);
  http_port = free_port();
  auto config = c.dir / "master.toml";
  std::ofstream(config) << "[broker]\n" << url_line(c.broker_url) << "keepalive = \"2s\"\n"
                        << c.broker_extra << "[master]\nid = \"" << id << "\"\n"
                        << "data_dir = \"" << (c.dir / "data").string() << "\"\n"
                        << "http_listen = \"127.0.0.1:" << http_port << "\"\n"
                        << master_extra << "\n";
  return std::make_unique<child_process>(
      std::vector<std::string>{program("peranda-master"), "--config", config.string(),
                               "--log-level", "debug"},
      c.dir / "master.log", std::move(extra_env));
}

nlohmann::json http_get_json(std::uint16_t port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  auto res = client.Get(path);
  if (!res || res->status != 200) return nullptr;
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  return body.is_discarded() ? nlohmann::json(nullptr) : body;
}

double metric(std::uint16_t port, const std::string& sample) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  auto text = "\n" + res->body;
  auto at = text.find("\n" + sample + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + sample.size() + 2));
}

nlohmann::json find_node(std::uint16_t port, const std::string& node) {
  auto body = http_get_json(port, "/api/v1/nodes");
  if (!body.is_object()) return nullptr;
  for (const auto& n : body["nodes"]) {
    if (n.value("node", "") == node) return n;
  }
  return nullptr;
}

}  // namespace peranda::test
