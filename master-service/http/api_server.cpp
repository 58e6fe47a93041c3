// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/api_server.hpp"

#include <httplib.h>

#include "core/log/log.hpp"
#include "master-service/http/api_json.hpp"
#include "master-service/http/bounded_server.hpp"
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

constexpr std::chrono::minutes k_summary_every{1};
// Set on a response the guard refused, so the logger does not count it twice.
constexpr const char* k_refused_header = "X-Peranda-Refused";

request_view view_of(const httplib::Request& req) {
  auto header = [&](const char* name) -> std::string_view {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? std::string_view() : std::string_view(it->second);
  };
  // Two Host headers are as bad as a wrong one.
  auto host = req.headers.count("Host") == 1 ? header("Host") : std::string_view();
  return {req.method,
          req.path,
          host,
          header("Authorization"),
          header(k_request_header.data()),
          header("Content-Encoding"),
          header("Transfer-Encoding"),
          header("Content-Length")};
}

}  // namespace

api_server::api_server(const master_config& config, api_sources sources)
    : address_(config.http_listen),
      guard_(host_allow_list(config.http_listen, config.http_allowed_hosts), config.http_token),
      src_(sources),
      refusals_(log()),
      server_(std::make_unique<bounded_server>(
          [this](std::string_view reason, const std::string& peer) {
            refused(reason, fmt::format("connection from {}", peer));
          })) {
  add_guard_and_errors();
  add_node_routes();
  add_alarm_routes();
  add_health_route();
  add_log_routes();
  add_web_routes();
}

api_server::~api_server() { stop(); }

void api_server::refused(std::string_view reason, std::string_view detail) {
  refusals_.reject(reason, detail);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  auto last = last_summary_ms_.load();
  if (now - last >= std::chrono::milliseconds(k_summary_every).count() &&
      last_summary_ms_.compare_exchange_strong(last, now)) {
    refusals_.log_summary();
  }
}

void api_server::add_guard_and_errors() {
  // Runs after the head is read and before any body is: a refused request
  // never has its body read, let alone inflated.
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    auto no = guard_.check(view_of(req));
    if (!no) return httplib::Server::HandlerResponse::Unhandled;
    refused(no->reason, fmt::format("{:.10} {:.200} from {}: {}", req.method, req.path,
                                    req.remote_addr, no->message));
    if (no->status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_header(k_refused_header, std::string(no->reason));
    send_json(res, {{"error", no->message}, {"reason", no->reason}}, no->status);
    return httplib::Server::HandlerResponse::Handled;
  });
  // What httplib itself refuses (a malformed request line, a URI or body
  // over its limits) is counted here.
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (res.status >= 400 && res.status != 404 && res.status < 500 &&
        !res.has_header(k_refused_header)) {
      refused("bad_request", fmt::format("{:.10} {:.200} from {}: HTTP {}", req.method, req.path,
                                         req.remote_addr, res.status));
    }
  });
  server_->set_default_headers(
      {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}});
  server_->set_payload_max_length(k_max_request_body);
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto text = render_metrics(src_, std::chrono::steady_clock::now());
    append_labelled_counter(text, "peranda_http_refused_total", "reason", refusals_.counts(),
                            "HTTP requests and connections refused, by reason.");
    res.set_content(text, "text/plain; version=0.0.4");
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
    for (const auto& r : src_.nodes.snapshot()) {
      auto j = to_json(r, now);
      j["owner"] = src_.owner_of(r.node).value_or("");
      list.push_back(std::move(j));
    }
    send_json(res, {{"nodes", list}});
  });
  server_->Get("/api/v1/masters", [this](const httplib::Request&, httplib::Response& res) {
    auto list = nlohmann::json::array();
    for (const auto& m : src_.masters()) {
      list.push_back({{"id", m.id},
                      {"self", m.self},
                      {"session", m.session},
                      {"version", m.version},
                      {"beat_ms", m.beat_ms},
                      {"last_beat_ms", m.last_beat_ms},
                      {"last_beat_age_s", m.last_beat_age_s},
                      {"nodes_owned", m.nodes_owned}});
    }
    send_json(res, {{"masters", list}});
  });
  server_->Get(R"(/api/v1/nodes/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 auto r = src_.nodes.find(req.matches[1].str());
                 if (!r) return send_json(res, {{"error", "no such node"}}, 404);
                 auto j = to_json(*r, std::chrono::steady_clock::now());
                 j["owner"] = src_.owner_of(r->node).value_or("");
                 send_json(res, j);
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
    return failf("cannot listen on {} (address in use or not available)", address_.authority());
  }
  listener_ = std::jthread([this] { server_->listen_after_bind(); });
  log()->info("HTTP API on {}{}", address_.url(),
              guard_.token_required() ? " (bearer token required)" : "");
  return {};
}

void api_server::stop() {
  if (!listener_.joinable()) return;
  stopping_ = true;
  server_->stop();
  listener_.join();
}

}  // namespace peranda::master
