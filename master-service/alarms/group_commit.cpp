// SPDX-License-Identifier: Apache-2.0
#include "master-service/alarms/group_commit.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace peranda::master {

group_commit::group_commit(error_sink on_error) : on_error_(std::move(on_error)) {}

group_commit::~group_commit() { stop(); }

void group_commit::start(int fd) {
  {
    lock_guard lock(fd_mu_);
    fd_ = fd;
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void group_commit::after_sync(action a) {
  {
    lock_guard lock(mu_);
    pending_.push_back(std::move(a));
  }
  queued_.notify_one();
}

void group_commit::run(std::stop_token stop) {
  std::vector<action> batch;
  for (;;) {
    {
      unique_lock lock(mu_);
      queued_.wait(lock, stop, [&]() REQUIRES(mu_) { return !pending_.empty(); });
      if (pending_.empty()) return;  // stopped with nothing left
      batch.swap(pending_);
    }
    commit(batch);
  }
}

void group_commit::commit(std::vector<action>& batch) {
  // Every line behind `batch` was written before its action was queued.
  bool synced = false;
  {
    lock_guard lock(fd_mu_);
    synced = ::fdatasync(fd_) == 0;
    if (!synced && on_error_) on_error_(std::string("fdatasync: ") + std::strerror(errno));
    if (std::exchange(lost_, false)) synced = false;
  }
  {
    lock_guard lock(mu_);
    ++syncs_;
  }
  if (synced) {
    for (auto& a : batch) a();
  }
  batch.clear();
}

void group_commit::replace_fd(int fd) {
  lock_guard lock(fd_mu_);
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) {
    lost_ = true;
    if (on_error_) on_error_(std::string("fdatasync before rotation: ") + std::strerror(errno));
  }
  fd_ = fd;
}

void group_commit::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  // Actions queued after the thread's last look are synced here.
  std::vector<action> rest;
  {
    lock_guard lock(mu_);
    rest.swap(pending_);
  }
  bool started = false;
  {
    lock_guard lock(fd_mu_);
    started = fd_ >= 0;
  }
  if (!rest.empty() && started) commit(rest);
}

std::uint64_t group_commit::syncs() const {
  lock_guard lock(mu_);
  return syncs_;
}

}  // namespace peranda::master
