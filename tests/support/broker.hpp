// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/child_process.hpp"

namespace peranda::test {

// A free TCP port on 127.0.0.1 (bound and released; the kernel will not hand
// it out again at once).
std::uint16_t free_port();

// Accepts a TCP connection on 127.0.0.1:port?
bool port_open(std::uint16_t port);

// A real mosquitto on a free loopback port, with a config written by the
// test (listener 127.0.0.1 only, anonymous allowed, set_tcp_nodelay, and
// persistence in its own folder), stopped by PID. `extra` is appended to
// the config. restart() keeps the port and the persistence file.
class broker {
 public:
  explicit broker(std::filesystem::path dir, std::string extra = "");
  ~broker();

  std::uint16_t port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  void start();
  void stop();  // SIGTERM: mosquitto saves persistence and fires every Will
  void kill9();
  void restart() { stop(); start(); }
  std::string log() const;

 private:
  std::filesystem::path dir_;
  std::uint16_t port_;
  std::unique_ptr<child_process> process_;
};

}  // namespace peranda::test
