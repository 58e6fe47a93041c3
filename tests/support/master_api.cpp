// SPDX-License-Identifier: Apache-2.0
#include "tests/support/master_api.hpp"

#include <sstream>

#include <httplib.h>

#include "tests/support/programs.hpp"
#include "tests/support/stored_files.hpp"

namespace peranda::test {

nlohmann::json master_api::get(const std::string& path) const { return http_get_json(port_, path); }

double master_api::metric(const std::string& sample) const {
  return peranda::test::metric(port_, sample);
}

std::string master_api::node_state(const std::string& node) const {
  auto j = get("/api/v1/nodes/" + node);
  return j.is_object() ? j.value("state", "") : "";
}

std::string master_api::pull(const std::string& node) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(2);
  client.set_default_headers({{"X-Peranda-Request", "1"}});
  auto res = client.Post("/api/v1/nodes/" + node + "/pull");
  if (!res || res->status != 202) return "";
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  return body.is_object() ? body.value("request_id", "") : "";
}

bool master_api::pull_finished(const std::string& request_id) const {
  auto p = get("/api/v1/pulls/" + request_id);
  return p.is_object() && p.value("finished", false);
}

std::map<std::string, int> master_api::alarm_ids() const {
  std::map<std::string, int> ids;
  auto body = get("/api/v1/alarms");
  if (!body.is_object()) return ids;
  for (const auto& a : body["alarms"]) ++ids[a.value("node", "") + "/" + a.value("id", "")];
  return ids;
}

std::map<int, int> stored_markers(const std::vector<std::filesystem::path>& data_dirs,
                                  const std::string& tag) {
  std::map<int, int> seen;
  const auto key = tag + " seq=";
  for (const auto& dir : data_dirs) {
    for (const auto& file : stored_files(dir)) {
      std::istringstream in(read_all(file));
      for (std::string line; std::getline(in, line);) {
        auto at = line.find(key);
        if (at != std::string::npos) ++seen[std::stoi(line.substr(at + key.size()))];
      }
    }
  }
  return seen;
}

}  // namespace peranda::test
