// SPDX-License-Identifier: Apache-2.0
#include "core/log/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>

#include "core/util/mutex.hpp"

namespace peranda {
namespace {

mutex g_mu;
spdlog::level::level_enum g_level GUARDED_BY(g_mu) = spdlog::level::info;

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l [%n] %v"
                                                 : "%Y-%m-%dT%H:%M:%S.%e %l [%n] %v");
    return s;
  }();
  return sink;
}

}  // namespace

std::shared_ptr<spdlog::logger> get_logger(std::string_view component) {
  lock_guard lock(g_mu);
  std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, shared_sink());
  logger->set_level(g_level);
  spdlog::register_logger(logger);
  return logger;
}

result<void> set_log_level(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return failf("unknown log level '{}' (use trace, debug, info, warn, error or off)", level);
  }
  lock_guard lock(g_mu);
  g_level = parsed;
  spdlog::set_level(parsed);
  return {};
}

}  // namespace peranda
