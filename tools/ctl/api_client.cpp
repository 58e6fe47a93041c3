// SPDX-License-Identifier: Apache-2.0
#include "tools/ctl/api_client.hpp"

#include <httplib.h>

#include "master-service/http/request_guard.hpp"

namespace peranda::ctl {
namespace {

result<nlohmann::json> interpret(const httplib::Result& res, const std::string& base,
                                 const std::string& path) {
  if (!res) {
    return failf("cannot reach the master at {} ({}); is peranda-master running?", base,
                 httplib::to_string(res.error()));
  }
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status == 401) return failf("the master refused the token (HTTP 401)");
  if (res->status >= 400) {
    std::string why = body.is_object() && body.contains("error") ? body["error"].dump() : res->body;
    return failf("{} failed: HTTP {} {}", path, res->status, why);
  }
  if (body.is_discarded()) return failf("{}: the master answered with invalid JSON", path);
  return body;
}

// The token when there is one; the request header always, which the master
// requires on POSTs when it has no token (a cross-site form cannot send it).
httplib::Headers auth_headers(const std::string& token) {
  httplib::Headers h{{std::string(master::k_request_header), "1"}};
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return h;
}

}  // namespace

api_client::api_client(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {}

result<nlohmann::json> api_client::get(const std::string& path) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  return interpret(client.Get(path, auth_headers(token_)), base_url_, path);
}

result<nlohmann::json> api_client::post(const std::string& path) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  return interpret(client.Post(path, auth_headers(token_), "", "application/json"), base_url_,
                   path);
}

result<void> api_client::stream(const std::string& path,
                                const std::function<bool(std::string_view)>& on_data) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  client.set_read_timeout(24 * 3600);  // a follower may wait long between alarms
  int status = 0;
  std::string error_body;
  auto res = client.Get(
      path, auth_headers(token_),
      [&](const httplib::Response& r) {
        status = r.status;
        return true;
      },
      [&](const char* data, std::size_t n) {
        if (status != 200) {
          error_body.append(data, n);
          return true;
        }
        return on_data(std::string_view(data, n));
      });
  if (!res && res.error() == httplib::Error::Canceled) return {};
  if (!res) {
    return failf("cannot reach the master at {} ({}); is peranda-master running?", base_url_,
                 httplib::to_string(res.error()));
  }
  if (res->status == 401) return failf("the master refused the token (HTTP 401)");
  if (res->status != 200) return failf("{} failed: HTTP {} {}", path, res->status, error_body);
  return {};
}

}  // namespace peranda::ctl
