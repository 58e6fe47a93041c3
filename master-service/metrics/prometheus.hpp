// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "master-service/http/api_server.hpp"

namespace peranda::master {

// The Prometheus text exposition of everything the master counts: nodes by
// state, queue lengths and pull lag, transfers, bytes stored, alarms and
// rejected messages by reason.
std::string render_metrics(const api_sources& src, std::chrono::steady_clock::time_point now);

// Appends one counter family with one label to `out` (HELP and TYPE first).
void append_labelled_counter(std::string& out, std::string_view name, std::string_view label,
                             const std::map<std::string, std::uint64_t>& values,
                             std::string_view help);

}  // namespace peranda::master
