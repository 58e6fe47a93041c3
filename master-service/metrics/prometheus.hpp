// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>

#include "master-service/http/api_server.hpp"

namespace peranda::master {

// The Prometheus text exposition of everything the master counts: nodes by
// state, queue lengths and pull lag, transfers, bytes stored, alarms and
// rejected messages by reason.
std::string render_metrics(const api_sources& src, std::chrono::steady_clock::time_point now);

}  // namespace peranda::master
