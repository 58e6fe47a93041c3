// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/util/mutex.hpp"

namespace peranda::master {

// Group commit for an append-only file: a writer queues what must wait for
// its line to be on disk (the alarm ack) and goes on; one thread runs
// fdatasync once for everything queued meanwhile, then runs those actions.
// So no writer waits for the disk, and a burst of alarms costs one fsync,
// not one each (a per-alarm fsync on the dispatcher made alarm p99 the
// disk's fsync tail, docs/benchmarks.md). Thread-safe.
class group_commit {
 public:
  using action = std::function<void()>;
  // Called on the syncing thread when fdatasync fails; the actions of that
  // batch are dropped (their agents send the alarms again).
  using error_sink = std::function<void(const std::string&)>;

  explicit group_commit(error_sink on_error);
  ~group_commit();
  group_commit(const group_commit&) = delete;
  group_commit& operator=(const group_commit&) = delete;

  // `fd` must stay open until stop() returns (or replace_fd() replaced it).
  void start(int fd);
  // Syncs the current file, then syncs `fd` from now on (a rotated journal):
  // what waits for lines of the old file is covered by that sync; if it
  // fails, the next batch is dropped as for any failed sync. The old fd may
  // be closed when this returns.
  void replace_fd(int fd);
  // Runs `a` after the next fdatasync of the file that starts after this call.
  void after_sync(action a);
  // Syncs and runs what is queued, then joins the thread.
  void stop();

  std::uint64_t syncs() const;

 private:
  void run(std::stop_token stop);
  void commit(std::vector<action>& batch);

  const error_sink on_error_;

  // Held while syncing, so replace_fd() never pulls a file from under a sync.
  mutex fd_mu_;
  int fd_ GUARDED_BY(fd_mu_) = -1;
  bool lost_ GUARDED_BY(fd_mu_) = false;  // a sync of a replaced file failed

  mutable mutex mu_;
  std::condition_variable_any queued_;
  std::vector<action> pending_ GUARDED_BY(mu_);
  std::uint64_t syncs_ GUARDED_BY(mu_) = 0;
  std::jthread thread_;
};

}  // namespace peranda::master
