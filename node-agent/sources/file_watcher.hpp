// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"
#include "node-agent/sources/file_follower.hpp"

namespace peranda::agent {

// Drives every file source from one thread. New lines are noticed through
// inotify watches on the files' directories (a directory watch also sees
// renames, creations and writes to a rotated-away file); a slow poll
// (`fallback`) catches what inotify cannot see (e.g. network file systems).
// start()/stop() from one thread.
class file_watcher {
 public:
  explicit file_watcher(std::chrono::milliseconds fallback = std::chrono::seconds(2));
  ~file_watcher();

  // REQUIRES: before start().
  void add(std::unique_ptr<file_follower> follower);

  // Starts every follower (position restore) and the watch thread.
  [[nodiscard]] result<void> start();
  void stop();

 private:
  void run(std::stop_token stop);
  void poll_all();

  // Constant after start()
  const std::chrono::milliseconds fallback_;
  std::vector<std::unique_ptr<file_follower>> followers_;
  unique_fd inotify_fd_;
  std::map<int, std::vector<file_follower*>> by_watch_;  // watch descriptor -> followers
  std::jthread thread_;
};

}  // namespace peranda::agent
