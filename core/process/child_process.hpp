// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace peranda {

// How to run one command (exec sources, the alarm hook).
struct child_spec {
  std::vector<std::string> argv;  // no shell; argv[0] is looked up on PATH
  std::chrono::milliseconds timeout{0};
  // stdin: these bytes, then end of file; none: /dev/null.
  std::optional<std::string> input;
  // stdout and stderr: collected, together at most this many bytes (the
  // rest is read and counted, so the child never blocks on a full pipe);
  // none: inherited from this process.
  std::optional<std::uint64_t> max_output;
  // After the command exits, also kill what it left running in its group
  // (an exec source's stray background children; a hook may leave some on
  // purpose).
  bool kill_leftovers = false;
};

// What one run produced.
struct child_outcome {
  std::string out;                  // stdout, if collected
  std::string err;                  // stderr, if collected
  std::uint64_t dropped_bytes = 0;  // output past max_output
  int exit_code = -1;               // when it exited
  int signal = 0;                   // when a signal ended it
  bool timed_out = false;           // we killed its process group at the timeout
  bool interrupted = false;         // ... or because `stop` was requested
  std::string spawn_error;          // it could not be started at all
};

// Runs `spec.argv` in a new process group (so a kill reaches what it
// started) with an empty signal mask and every signal at its default
// disposition (our processes block TERM/INT/HUP for their sigwait thread
// and the master ignores SIGPIPE; the command must not inherit either).
// Kills the whole group with SIGKILL when the timeout passes or `stop` is
// requested, and always reaps the command: no zombie is left. Blocks the
// calling thread for about the timeout at most (plus the kill).
// REQUIRES: SIGPIPE is ignored or blocked when `spec.input` is given, as
// the command may exit without reading it.
// Thread-safe (no shared state).
[[nodiscard]] child_outcome run_child(const child_spec& spec, std::stop_token stop = {});

}  // namespace peranda
