// SPDX-License-Identifier: Apache-2.0
// GET /healthz: 200 or 503 with the reasons (health_verdict.hpp).
#include <httplib.h>

#include "master-service/health/health_monitor.hpp"
#include "master-service/http/api_json.hpp"
#include "master-service/http/api_server.hpp"

namespace peranda::master {

void api_server::add_health_route() {
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    auto reasons = judge_health(src_.health.facts(src_.broker_connected()));
    auto list = nlohmann::json::array();
    for (const auto& r : reasons) list.push_back({{"code", r.code}, {"text", r.text}});
    send_json(res, {{"status", reasons.empty() ? "ok" : "unhealthy"}, {"reasons", list}},
              reasons.empty() ? 200 : 503);
  });
}

}  // namespace peranda::master
