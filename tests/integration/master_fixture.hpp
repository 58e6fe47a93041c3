// SPDX-License-Identifier: Apache-2.0
// A real mosquitto plus a real peranda-master (config written here, HTTP
// API on a free loopback port), and small HTTP helpers for the tests.
#pragma once

#include <httplib.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/stored_files.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {

class master_fixture {
 public:
  static constexpr const char* k_id = "m1";

  // `extra` lines go into the [master] section.
  // With a `token`, the API requires it and every helper below sends it.
  explicit master_fixture(std::string extra = "", std::string pull_interval = "1h",
                          std::string token = "")
      : broker_(dir_ / "broker"), http_port_(free_port()), token_(std::move(token)) {
    if (!token_.empty()) {
      std::ofstream(dir_ / "token") << token_ << "\n";
      std::filesystem::permissions(
          dir_ / "token", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      extra += "\nhttp_token_file = \"" + (dir_ / "token").string() + "\"";
    }
    std::ofstream conf(dir_ / "master.toml");
    conf << "[broker]\nurl = \"" << broker_.url() << "\"\nkeepalive = \"5s\"\n"
         << "[master]\nid = \"" << k_id << "\"\ndata_dir = \"" << data_dir().string() << "\"\n"
         << "http_listen = \"127.0.0.1:" << http_port_ << "\"\n"
         << (extra.find("workers =") == std::string::npos ? "workers = 4\n" : "")
         << "pull_interval = \"" << pull_interval << "\"\n"
         << extra << "\n";
    conf.close();
    start();
  }

  void start() {
    master_ = std::make_unique<child_process>(
        std::vector<std::string>{program("peranda-master"), "-c", config().string(), "--log-level",
                                 "debug"},
        dir_ / "master.log");
    if (!wait_until([&] { return port_open(http_port_) || !master_->running(); }) ||
        !master_->running()) {
      throw std::runtime_error("peranda-master did not start: " + master_->log());
    }
    // Subscribed once connected: messages that are not retained (alarms,
    // uploads) sent from now on reach it.
    if (!wait_until([&] { return metric("peranda_broker_connected") == 1; })) {
      throw std::runtime_error("peranda-master did not connect: " + master_->log());
    }
  }
  void stop() { master_->stop(); }
  void kill9() { master_->kill9(); }
  bool running() { return master_->running(); }
  std::string log() const { return master_->log(); }

  broker& mqtt() { return broker_; }
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::filesystem::path config() const { return dir_ / "master.toml"; }
  std::filesystem::path dir() const { return dir_.path(); }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  std::uint16_t http_port() const { return http_port_; }

  // Sends the token, or else the header the API requires on POSTs.
  httplib::Client client() const {
    httplib::Client c(api_url());
    c.set_default_headers({{"X-Peranda-Request", "1"}});
    if (!token_.empty()) c.set_bearer_token_auth(token_.c_str());
    return c;
  }
  // GET returning parsed JSON (null on any failure).
  nlohmann::json get(const std::string& path) const {
    auto c = client();
    auto res = c.Get(path);
    if (!res || res->status != 200) return nullptr;
    return nlohmann::json::parse(res->body, nullptr, false);
  }
  std::string get_text(const std::string& path) const {
    auto c = client();
    auto res = c.Get(path);
    return res ? res->body : std::string();
  }
  // POST /api/v1/nodes/{node}/pull; returns the request id ("" on failure).
  std::string pull(const std::string& node) const {
    auto c = client();
    auto res = c.Post("/api/v1/nodes/" + node + "/pull");
    if (!res || res->status != 202) return "";
    return nlohmann::json::parse(res->body).value("request_id", "");
  }
  nlohmann::json pull_status(const std::string& request_id) const {
    return get("/api/v1/pulls/" + request_id);
  }
  bool pull_finished(const std::string& request_id) const {
    auto p = pull_status(request_id);
    return p.is_object() && p.value("finished", false);
  }
  // The value of one Prometheus sample line, e.g.
  // `peranda_rejected_messages_total{reason="bad_topic"}`; 0 if absent.
  double metric(const std::string& sample) const {
    auto text = "\n" + get_text("/metrics");
    auto pos = text.find("\n" + sample + " ");
    if (pos == std::string::npos) return 0;
    return std::stod(text.substr(pos + sample.size() + 2));
  }
  std::size_t node_count() const {
    auto j = get("/api/v1/nodes");
    return j.is_object() ? j["nodes"].size() : 0;
  }
  std::string node_state(const std::string& node) const {
    auto j = get("/api/v1/nodes/" + node);
    return j.is_object() ? j.value("state", "") : "";
  }

 private:
  temp_dir dir_;
  broker broker_;
  std::uint16_t http_port_;
  std::string token_;
  std::unique_ptr<child_process> master_;
};

inline std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

}  // namespace peranda::test
