// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace peranda::test {

// The HTTP API of a peranda-master started by the test (start_master), for
// fleets that are not master_fixture's one master on one broker.
class master_api {
 public:
  explicit master_api(std::uint16_t port) : port_(port) {}

  std::uint16_t port() const { return port_; }
  // GET as JSON, null on any failure.
  nlohmann::json get(const std::string& path) const;
  // One /metrics sample; 0 if absent, -1 if the master did not answer.
  double metric(const std::string& sample) const;
  std::string node_state(const std::string& node) const;
  // POST /api/v1/nodes/{node}/pull: the request id, "" if refused.
  std::string pull(const std::string& node) const;
  bool pull_finished(const std::string& request_id) const;
  // Ids of the journaled alarms, with how often each is there.
  std::map<std::string, int> alarm_ids() const;

 private:
  std::uint16_t port_;
};

// How often each "<tag> seq=N" line is in the files stored below each of
// `data_dirs` (all masters' stores together).
std::map<int, int> stored_markers(const std::vector<std::filesystem::path>& data_dirs,
                                  const std::string& tag);

}  // namespace peranda::test
