// SPDX-License-Identifier: Apache-2.0
// A std::mutex and its locks, annotated for clang's thread-safety analysis
// (libstdc++'s own are not). Waits use std::condition_variable_any with
// `unique_lock`, which is BasicLockable.
#pragma once

#include <mutex>

#include "core/util/thread_annotations.hpp"

namespace peranda {

class CAPABILITY("mutex") mutex {
 public:
  void lock() ACQUIRE() { m_.lock(); }
  void unlock() RELEASE() { m_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return m_.try_lock(); }

 private:
  std::mutex m_;
};

// Holds `m` for its whole scope.
class SCOPED_CAPABILITY lock_guard {
 public:
  explicit lock_guard(mutex& m) ACQUIRE(m) : m_(m) { m_.lock(); }
  ~lock_guard() RELEASE() { m_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  mutex& m_;
};

// Holds `m` except between unlock() and lock(): for condition waits and for
// work done with the lock let go.
class SCOPED_CAPABILITY unique_lock {
 public:
  explicit unique_lock(mutex& m) ACQUIRE(m) : m_(m) { m_.lock(); }
  ~unique_lock() RELEASE() {
    if (owned_) m_.unlock();
  }
  unique_lock(const unique_lock&) = delete;
  unique_lock& operator=(const unique_lock&) = delete;

  void lock() ACQUIRE() {
    m_.lock();
    owned_ = true;
  }
  void unlock() RELEASE() {
    owned_ = false;
    m_.unlock();
  }

 private:
  mutex& m_;
  bool owned_ = true;
};

}  // namespace peranda
