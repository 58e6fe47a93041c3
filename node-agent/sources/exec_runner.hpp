// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

namespace peranda::agent {

// What one run of a command produced.
struct exec_outcome {
  std::string out;                  // stdout, at most max_output bytes (with err)
  std::string err;                  // stderr
  std::uint64_t dropped_bytes = 0;  // output past max_output
  int exit_code = -1;               // when it exited
  int signal = 0;                   // when a signal ended it
  bool timed_out = false;           // we killed its process group at the timeout
  bool interrupted = false;         // ... or because `stop` was requested
  std::string spawn_error;          // it could not be started at all
};

// Runs `argv` (no shell) in a new process group with stdin from /dev/null
// and an empty signal mask, collects stdout and stderr (together at most
// `max_output` bytes; the rest is read and counted, so the child never
// blocks on a full pipe), and kills the whole group with SIGKILL when
// `timeout` passes or `stop` is requested. Blocks the calling thread for at
// most about `timeout`.
// Thread-safe (no shared state).
exec_outcome run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         std::uint64_t max_output, std::stop_token stop = {});

}  // namespace peranda::agent
