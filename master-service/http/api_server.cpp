// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/api_server.hpp"

#include <httplib.h>

#include "core/log/log.hpp"
#include "master-service/http/api_json.hpp"
#include "master-service/http/node_json.hpp"
#include "master-service/metrics/prometheus.hpp"
#include "master-service/receiver/receiver.hpp"
#include "master-service/registry/registry.hpp"
#include "master-service/scheduler/scheduler.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.http");
  return l;
}

}  // namespace

api_server::api_server(const master_config& config, api_sources sources)
    : address_(config.http_listen),
      token_(config.http_token),
      src_(sources),
      server_(std::make_unique<httplib::Server>()) {
  add_auth_and_errors();
  add_node_routes();
  add_alarm_routes();
}

api_server::~api_server() { stop(); }

void api_server::add_auth_and_errors() {
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (token_.empty() || req.path == "/healthz")
      return httplib::Server::HandlerResponse::Unhandled;
    if (req.get_header_value("Authorization") == "Bearer " + token_) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    send_json(res, {{"error", "missing or wrong bearer token"}}, 401);
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_metrics(src_, std::chrono::steady_clock::now()),
                    "text/plain; version=0.0.4");
  });
  server_->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log()->error("{} {}: {}", req.method, req.path, what);
        send_json(res, {{"error", "internal error"}}, 500);
      });
}

void api_server::add_node_routes() {
  server_->Get("/api/v1/nodes", [this](const httplib::Request&, httplib::Response& res) {
    auto now = std::chrono::steady_clock::now();
    auto list = nlohmann::json::array();
    for (const auto& r : src_.nodes.snapshot()) list.push_back(to_json(r, now));
    send_json(res, {{"nodes", list}});
  });
  server_->Get(R"(/api/v1/nodes/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 auto r = src_.nodes.find(req.matches[1].str());
                 if (!r) return send_json(res, {{"error", "no such node"}}, 404);
                 send_json(res, to_json(*r, std::chrono::steady_clock::now()));
               });
  server_->Post(R"(/api/v1/nodes/([^/]+)/pull)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  auto id = src_.pulls_scheduler.pull_now(req.matches[1].str());
                  if (!id) return send_json(res, {{"error", id.error().message}}, 404);
                  send_json(res, {{"request_id", *id}, {"node", req.matches[1].str()}}, 202);
                });
  server_->Get("/api/v1/pulls", [this](const httplib::Request&, httplib::Response& res) {
    auto list = nlohmann::json::array();
    for (const auto& p : src_.pulls.recent()) list.push_back(to_json(p));
    send_json(res, {{"pulls", list}});
  });
  server_->Get(R"(/api/v1/pulls/([A-Za-z0-9_-]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 auto p = src_.pulls.find(req.matches[1].str());
                 if (!p) return send_json(res, {{"error", "no such pull"}}, 404);
                 send_json(res, to_json(*p));
               });
  server_->Get("/api/v1/transfers", [this](const httplib::Request&, httplib::Response& res) {
    auto now = std::chrono::steady_clock::now();
    auto list = nlohmann::json::array();
    for (const auto& t : src_.uploads.snapshot(now)) list.push_back(to_json(t));
    auto queues = nlohmann::json::array();
    for (const auto& q : src_.pulls_scheduler.queues(now)) queues.push_back(to_json(q));
    send_json(res, {{"transfers", list}, {"queues", queues}});
  });
}

result<void> api_server::start() {
  if (!server_->bind_to_port(address_.host, address_.port)) {
    return failf("cannot listen on {}:{} (address in use or not available)", address_.host,
                 address_.port);
  }
  listener_ = std::jthread([this] { server_->listen_after_bind(); });
  log()->info("HTTP API on http://{}:{}{}", address_.host, address_.port,
              token_.empty() ? "" : " (bearer token required)");
  return {};
}

void api_server::stop() {
  if (!listener_.joinable()) return;
  stopping_ = true;
  server_->stop();
  listener_.join();
}

}  // namespace peranda::master
