// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace peranda {

// Every line names its component: `[agent.spool] rotated ...`. All loggers
// share one stderr sink; under journald (JOURNAL_STREAM set) timestamps are
// left to the journal. Thread-safe.
std::shared_ptr<spdlog::logger> get_logger(std::string_view component);

// Applies a level name (trace, debug, info, warn, error, off) to every logger.
[[nodiscard]] result<void> set_log_level(std::string_view level);

}  // namespace peranda
