// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/signal_loop.hpp"

#include <pthread.h>

#include <cerrno>
#include <csignal>
#include <ctime>

namespace peranda {
namespace {

sigset_t handled_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_signals() {
  auto set = handled_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int run_signal_loop(const signal_handlers& handlers) {
  auto set = handled_set();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(handlers.tick);
  timespec tick{static_cast<time_t>(secs.count()),
                static_cast<long>((handlers.tick - secs).count() * 1'000'000)};
  while (true) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) return sig;
    if (sig == SIGHUP) {
      if (handlers.on_reload) handlers.on_reload();
      if (handlers.should_stop && handlers.should_stop()) return 0;
    } else if (sig < 0 && errno != EAGAIN && errno != EINTR) {
      return SIGTERM;
    }
    if (handlers.on_tick) handlers.on_tick();
  }
}

}  // namespace peranda
