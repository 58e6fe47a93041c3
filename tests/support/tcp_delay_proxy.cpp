// SPDX-License-Identifier: Apache-2.0
#include "tests/support/tcp_delay_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace peranda::test {

namespace {

using clock = std::chrono::steady_clock;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

void no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Bytes from one socket to another, each read released `delay` later.
// The reader blocks in read(); shutting the sockets down ends it.
class pump {
 public:
  pump(int from, int to, const std::atomic<long>& delay_ms)
      : from_(from), to_(to), delay_ms_(delay_ms) {
    writer_ = std::jthread([this](std::stop_token st) { write_loop(st); });
    reader_ = std::jthread([this] { read_loop(); });
  }
  ~pump() {
    ::shutdown(from_, SHUT_RDWR);
    ::shutdown(to_, SHUT_RDWR);
    reader_.join();
    writer_.request_stop();
    cv_.notify_all();
    writer_.join();
  }

 private:
  void read_loop() {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      auto n = ::read(from_, buf.data(), buf.size());
      if (n <= 0) break;
      std::lock_guard lock(mu_);
      queue_.push_back({clock::now() + std::chrono::milliseconds(delay_ms_.load()),
                        std::string(buf.data(), static_cast<std::size_t>(n))});
      cv_.notify_all();
    }
    std::lock_guard lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  void write_loop(std::stop_token st) {
    std::unique_lock lock(mu_);
    while (!st.stop_requested()) {
      if (queue_.empty()) {
        // Everything read has been forwarded: pass the close on.
        if (eof_) {
          ::shutdown(to_, SHUT_WR);
          return;
        }
        cv_.wait(lock, st, [&] { return !queue_.empty() || eof_; });
        continue;
      }
      auto due = queue_.front().first;
      if (clock::now() < due) {
        cv_.wait_until(lock, st, due, [] { return false; });
        continue;
      }
      auto data = std::move(queue_.front().second);
      queue_.pop_front();
      lock.unlock();
      std::size_t off = 0;
      while (off < data.size()) {
        auto n = ::send(to_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
          ::shutdown(from_, SHUT_RDWR);
          return;
        }
        off += static_cast<std::size_t>(n);
      }
      lock.lock();
    }
  }

  int from_;
  int to_;
  const std::atomic<long>& delay_ms_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::pair<clock::time_point, std::string>> queue_;  // Guarded by mu_
  bool eof_ = false;                                             // Guarded by mu_
  std::jthread writer_;
  std::jthread reader_;
};

}  // namespace

namespace {

// Closes both sockets last, after the pumps (declared after it) joined.
struct socket_pair {
  int client;
  int server;
  ~socket_pair() {
    ::close(client);
    ::close(server);
  }
};

}  // namespace

struct tcp_delay_proxy::connection {
  connection(int client, int server, const std::atomic<long>& delay)
      : fds{client, server}, up(client, server, delay), down(server, client, delay) {}
  void cut() {
    ::shutdown(fds.client, SHUT_RDWR);
    ::shutdown(fds.server, SHUT_RDWR);
  }
  socket_pair fds;
  pump up;
  pump down;
};

tcp_delay_proxy::tcp_delay_proxy(std::uint16_t upstream, std::chrono::milliseconds delay)
    : upstream_(upstream), delay_ms_(delay.count()) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = loopback(0);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("tcp_delay_proxy: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::jthread([this](std::stop_token st) { accept_loop(st); });
}

tcp_delay_proxy::~tcp_delay_proxy() {
  acceptor_.request_stop();
  acceptor_.join();
  {
    std::lock_guard lock(mu_);
    connections_.clear();  // each pump shuts its sockets down and joins
  }
  ::close(listen_fd_);
}

void tcp_delay_proxy::drop_all() {
  std::lock_guard lock(mu_);
  for (auto& c : connections_) c->cut();
}

void tcp_delay_proxy::accept_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    pollfd p{listen_fd_, POLLIN, 0};
    // A short poll timeout only to notice the stop request.
    if (::poll(&p, 1, 100) <= 0) continue;
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    int server = ::socket(AF_INET, SOCK_STREAM, 0);
    auto addr = loopback(upstream_);
    if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(server);
      ::close(client);
      continue;
    }
    no_delay(client);
    no_delay(server);
    ++accepted_;
    std::lock_guard lock(mu_);
    connections_.push_back(std::make_shared<connection>(client, server, delay_ms_));
  }
}

}  // namespace peranda::test
