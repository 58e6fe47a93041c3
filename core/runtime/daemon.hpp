// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda {

// The detached daemon's line back to the process that started it. That
// process waits (it is what `Type=forking` or an init script waits for)
// until the daemon reports success — then exits 0 — or failure or death —
// then prints the reason and exits 1. Move-only; closing without a report
// counts as failure.
class daemon_handshake {
 public:
  explicit daemon_handshake(unique_fd fd) : fd_(std::move(fd)) {}
  daemon_handshake(daemon_handshake&&) noexcept = default;
  daemon_handshake& operator=(daemon_handshake&&) = delete;

  void succeeded();
  void failed(std::string_view reason);

 private:
  void send(std::string_view text);
  unique_fd fd_;
};

// Detaches the calling process the classic way: fork, setsid, fork again
// (so the daemon can never reacquire a terminal), chdir /, umask 027, stdin
// and stdout to /dev/null, stderr to `log_file` (appended) or /dev/null.
// Returns only in the daemon (failures after the fork are reported through
// the handshake); the original process and the intermediate one
// leave with _exit (no destructors, so nothing inherited is cleaned up twice).
// REQUIRES: no threads have been started (fork copies only the caller).
[[nodiscard]] result<daemon_handshake> daemonize(const std::filesystem::path& log_file);

// Points stderr at `log_file` again (after logrotate moved it). An empty
// path leaves stderr alone.
[[nodiscard]] result<void> reopen_log(const std::filesystem::path& log_file);

}  // namespace peranda
