// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include "master-service/registry/registry.hpp"

namespace peranda::master {

// The API's view of a node record (GET /api/v1/nodes[/{node}]).
nlohmann::json to_json(const node_record& r, std::chrono::steady_clock::time_point now);

}  // namespace peranda::master
