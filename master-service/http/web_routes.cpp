// SPDX-License-Identifier: Apache-2.0
// The read-only status page: static files at / and /ui/, which read the
// API like any client (with the bearer token the operator enters).
#include <httplib.h>

#include "master-service/http/api_server.hpp"
#include "master-service/http/web_assets.hpp"

namespace peranda::master {
namespace {

// Only this origin's scripts, styles and API; no inline code, no framing.
constexpr const char* k_page_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string_view content_type(std::string_view path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

const web_asset* find_asset(std::string_view path) {
  for (const auto& a : web_assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace

void api_server::add_web_routes() {
  server_->Get(R"(/|/ui/[A-Za-z0-9._-]+)", [](const httplib::Request& req,
                                               httplib::Response& res) {
    auto path = req.path == "/" ? std::string_view("/index.html") : std::string_view(req.path).substr(3);
    const auto* asset = find_asset(path);
    if (!asset) {
      res.status = 404;
      return res.set_content("not found\n", "text/plain");
    }
    res.set_header("Content-Security-Policy", k_page_policy);
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_content(std::string(asset->body), std::string(content_type(path)));
  });
}

}  // namespace peranda::master
