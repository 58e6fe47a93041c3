// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace peranda {

// Tells the service manager how we are (sd_notify(3)): READY=1 once the
// service is usable, STATUS= a one-line summary for `systemctl status`,
// RELOADING=1 / STOPPING=1 around a reload or stop, and WATCHDOG=1 pings.
// Without $NOTIFY_SOCKET (no systemd, Type=forking, a terminal) every call
// is a cheap no-op. Used from the main thread only.
class service_notifier {
 public:
  service_notifier();

  void ready(std::string_view status);
  void status(std::string_view status);
  void reloading();
  void stopping();

  // Whether the manager asked for pings ($WATCHDOG_USEC), and how often we
  // should send them: half the timeout, as sd_watchdog_enabled(3) advises.
  bool watchdog_enabled() const { return watchdog_interval_.count() > 0; }
  std::chrono::milliseconds watchdog_interval() const { return watchdog_interval_; }
  // Sends WATCHDOG=1 when the last ping is older than watchdog_interval()
  // at `now`.
  void watchdog_ping(std::chrono::steady_clock::time_point now);

 private:
  void send(const std::string& state);

  // Constant after construction
  std::chrono::milliseconds watchdog_interval_{0};

  std::chrono::steady_clock::time_point last_ping_{};
  std::string last_status_;
};

}  // namespace peranda
