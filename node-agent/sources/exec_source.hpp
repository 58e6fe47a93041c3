// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <thread>

#include "node-agent/sources/line_sink.hpp"
#include "node-agent/sources/source_config.hpp"

namespace peranda::agent {

// Runs one `exec` source's command every `interval` on its own thread and
// delivers its output: stdout lines as they are, stderr lines prefixed
// `[stderr]`, and one line each for a non-zero exit, a killing signal, a
// timeout, dropped output and a failure to start — nothing is silently lost.
// stop() ends a run still going at once (its process group is killed).
// start()/stop() from one thread.
class exec_source {
 public:
  exec_source(source_settings settings, line_sink& sink);
  ~exec_source();

  void start();
  void stop();

  // One run, delivered (the thread's body; tests call it directly). A stop
  // request kills a run still going.
  void run_once(std::stop_token stop = {});

 private:
  // Constant after construction
  const source_settings settings_;
  const std::vector<std::string> argv_;
  line_sink& sink_;
  std::jthread thread_;
};

}  // namespace peranda::agent
