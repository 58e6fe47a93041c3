// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace peranda::test {

// A TCP proxy on 127.0.0.1 that forwards every byte to 127.0.0.1:upstream
// after `delay` in each direction (order kept), standing in for netem,
// which this kernel lacks. set_delay() changes the delay of bytes read from
// then on; drop_all() closes every open connection (a cut without a FIN
// reaching the other side first is not possible in user space, so this is
// the "connection reset" kind of fault).
// Thread-safety: all public members may be called from any thread.
// Ownership: owns its listening socket, connections and threads; the
// destructor closes and joins everything.
class tcp_delay_proxy {
 public:
  tcp_delay_proxy(std::uint16_t upstream, std::chrono::milliseconds delay);
  ~tcp_delay_proxy();
  tcp_delay_proxy(const tcp_delay_proxy&) = delete;
  tcp_delay_proxy& operator=(const tcp_delay_proxy&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  void set_delay(std::chrono::milliseconds d) { delay_ms_ = d.count(); }
  void drop_all();
  std::size_t connections_accepted() const { return accepted_; }

 private:
  struct connection;
  void accept_loop(std::stop_token stop);

  // Constant after construction
  std::uint16_t upstream_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;

  std::atomic<long> delay_ms_;
  std::atomic<std::size_t> accepted_{0};
  std::mutex mu_;
  std::list<std::shared_ptr<connection>> connections_;  // Guarded by mu_
  std::jthread acceptor_;
};

}  // namespace peranda::test
