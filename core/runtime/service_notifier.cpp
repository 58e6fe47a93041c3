// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

#include "core/log/log.hpp"

namespace peranda {
namespace {

// STATUS= is one line; a newline would end the assignment early.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

service_notifier::service_notifier() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::milliseconds(std::max<std::uint64_t>(usec / 2000, 1));
  }
}

void service_notifier::send(const std::string& state) {
  if (int rc = sd_notify(0, state.c_str()); rc < 0) {
    get_logger("runtime")->warn("sd_notify failed ({}); the service manager was not told", -rc);
  }
}

void service_notifier::ready(std::string_view status) {
  last_status_ = one_line(status);
  send("READY=1\nSTATUS=" + last_status_);
}

void service_notifier::status(std::string_view status) {
  auto line = one_line(status);
  if (line == last_status_) return;
  last_status_ = std::move(line);
  send("STATUS=" + last_status_);
}

void service_notifier::reloading() { send("RELOADING=1\nSTATUS=reloading the configuration"); }

void service_notifier::stopping() { send("STOPPING=1\nSTATUS=stopping"); }

void service_notifier::watchdog_ping(std::chrono::steady_clock::time_point now) {
  if (!watchdog_enabled()) return;
  if (now - last_ping_ < watchdog_interval_) return;
  last_ping_ = now;
  send("WATCHDOG=1");
}

}  // namespace peranda
