// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include "master-service/receiver/receiver.hpp"
#include "master-service/scheduler/pull_tracker.hpp"
#include "master-service/scheduler/scheduler.hpp"

namespace httplib {
struct Response;
}

namespace peranda::master {

// The API's views of pulls, transfers and queues.
nlohmann::json to_json(const pull_record& p);
nlohmann::json to_json(const transfer_view& t);
nlohmann::json to_json(const queue_view& q);

void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);

}  // namespace peranda::master
