// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>

namespace peranda {

// The one place signals are handled. block_signals() must run in main before
// any thread starts, so every thread inherits the mask and only
// run_signal_loop() (sigtimedwait) ever sees SIGTERM, SIGINT and SIGHUP.
void block_signals();

struct signal_handlers {
  std::function<void()> on_reload;  // SIGHUP
  std::function<void()> on_tick;    // every `tick` (watchdog pings, housekeeping)
  std::chrono::milliseconds tick{1000};
  // Checked after every reload: true ends the loop (nothing left to run).
  std::function<bool()> should_stop;
};

// Returns the signal number that asked to stop (SIGTERM or SIGINT), or 0
// when should_stop() did.
int run_signal_loop(const signal_handlers& handlers);

}  // namespace peranda
