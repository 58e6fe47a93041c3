// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/api_server.hpp"

#include <httplib.h>

#include "core/log/log.hpp"
#include "core/protocol/json_fields.hpp"
#include "master-service/http/node_json.hpp"
#include "master-service/registry/registry.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.http");
  return l;
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200) {
  res.status = status;
  res.set_content(protocol::dump_json(body), "application/json");
}

}  // namespace

api_server::api_server(const master_config& config, const registry& nodes)
    : address_(config.http_listen),
      token_(config.http_token),
      nodes_(nodes),
      server_(std::make_unique<httplib::Server>()) {
  add_routes();
}

api_server::~api_server() { stop(); }

void api_server::add_routes() {
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (token_.empty() || req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
    if (req.get_header_value("Authorization") == "Bearer " + token_) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    send_json(res, {{"error", "missing or wrong bearer token"}}, 401);
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/api/v1/nodes", [this](const httplib::Request&, httplib::Response& res) {
    auto now = std::chrono::steady_clock::now();
    auto list = nlohmann::json::array();
    for (const auto& r : nodes_.snapshot()) list.push_back(to_json(r, now));
    send_json(res, {{"nodes", list}});
  });
  server_->Get(R"(/api/v1/nodes/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 auto r = nodes_.find(req.matches[1].str());
                 if (!r) return send_json(res, {{"error", "no such node"}}, 404);
                 send_json(res, to_json(*r, std::chrono::steady_clock::now()));
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
  server_->stop();
  listener_.join();
}

}  // namespace peranda::master
