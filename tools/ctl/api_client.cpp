// SPDX-License-Identifier: Apache-2.0
#include "tools/ctl/api_client.hpp"

#include <httplib.h>

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

}  // namespace

api_client::api_client(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {}

result<nlohmann::json> api_client::get(const std::string& path) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  return interpret(client.Get(path, headers), base_url_, path);
}

result<nlohmann::json> api_client::post(const std::string& path) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  return interpret(client.Post(path, headers, "", "application/json"), base_url_, path);
}

}  // namespace peranda::ctl
