// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/bounded_server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <thread>
#include <vector>

#include "core/fs/unique_fd.hpp"
#include "core/util/mutex.hpp"

namespace peranda::master {
namespace {

using clock_type = std::chrono::steady_clock;

// Set while the accepting thread runs a connection it has no room for, so
// that process_and_close_socket only answers 503 and closes.
thread_local bool t_shedding = false;

// The workers. enqueue() runs on the accepting thread.
class connection_pool final : public httplib::TaskQueue {
 public:
  connection_pool(std::size_t workers, std::size_t max_waiting) : max_waiting_(max_waiting) {
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      lock_guard lock(mu_);
      if (waiting_.size() < max_waiting_) {
        waiting_.push_back(std::move(fn));
        wake_.notify_one();
        return;
      }
    }
    t_shedding = true;
    fn();
    t_shedding = false;
  }

  // Runs what is queued (each closes its socket), then joins the workers.
  void shutdown() override {
    {
      lock_guard lock(mu_);
      shutdown_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        unique_lock lock(mu_);
        wake_.wait(lock, [&] { return shutdown_ || !waiting_.empty(); });
        if (waiting_.empty()) return;
        fn = std::move(waiting_.front());
        waiting_.pop_front();
      }
      fn();
    }
  }

  // Constant after construction
  const std::size_t max_waiting_;
  std::vector<std::thread> threads_;
  // Guarded by mu_
  mutex mu_;
  std::condition_variable_any wake_;
  std::deque<std::function<void()>> waiting_;
  bool shutdown_ = false;
};

// Rounded up: a poll that times out has reached the deadline.
int millis_until(clock_type::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_type::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

bool wait_for(int sock, short events, int timeout_ms) {
  pollfd p{sock, events, 0};
  int n = 0;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & (events | POLLHUP | POLLERR));
}

// The numeric address of either end of `sock` ("" if unknown).
std::string end_address(int sock, bool peer, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  port = 0;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? ::getpeername(sock, sa, &len) : ::getsockname(sock, sa, &len)) != 0) return {};
  char host[NI_MAXHOST] = {};
  char serv[NI_MAXSERV] = {};
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return {};
  }
  port = std::atoi(serv);
  return host;
}

// The connection as httplib reads and writes it: reads stop at the request
// deadline or after max_read bytes, writes after the write timeout.
class deadline_stream final : public httplib::Stream {
 public:
  deadline_stream(int sock, clock_type::time_point read_deadline, std::size_t max_read)
      : sock_(sock), deadline_(read_deadline), max_read_(max_read) {}

  bool is_readable() const override {
    return pos_ < len_ || wait_for(sock_, POLLIN, millis_until(deadline_));
  }
  bool is_writable() const override {
    return wait_for(sock_, POLLOUT, write_timeout_ms()) && peer_still_there();
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (pos_ == len_) {
      if (total_ >= max_read_) {
        over_limit_ = true;
        return -1;
      }
      // Checked before waiting too: a steady trickle never lets poll time out.
      if (clock_type::now() >= deadline_ || !wait_for(sock_, POLLIN, millis_until(deadline_))) {
        expired_ = clock_type::now() >= deadline_;
        return -1;
      }
      auto n = ::recv(sock_, buf_, std::min(sizeof buf_, max_read_ - total_), 0);
      if (n <= 0) return n;
      total_ += static_cast<std::size_t>(n);
      len_ = static_cast<std::size_t>(n);
      pos_ = 0;
    }
    auto n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (!wait_for(sock_, POLLOUT, write_timeout_ms())) return -1;
    return ::send(sock_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = end_address(sock_, true, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = end_address(sock_, false, port);
  }
  socket_t socket() const override { return sock_; }

  bool expired() const { return expired_; }
  bool over_limit() const { return over_limit_; }

 private:
  static int write_timeout_ms() {
    return static_cast<int>(std::chrono::milliseconds(bounded_server::k_write_timeout).count());
  }
  // A closed connection polls readable and reads 0 bytes.
  bool peer_still_there() const {
    if (!wait_for(sock_, POLLIN, 0)) return true;
    char c;
    return ::recv(sock_, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
  }

  // Constant after construction
  const int sock_;
  const clock_type::time_point deadline_;
  const std::size_t max_read_;
  char buf_[4096];
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  std::size_t total_ = 0;
  bool expired_ = false;
  bool over_limit_ = false;
};

std::string peer_of(int sock) {
  int port = 0;
  return end_address(sock, true, port);
}

// Ends the response without resetting the connection: a client still
// sending a body it was refused would otherwise get RST instead of the
// answer. Reads what is left for at most a second and 256 KiB.
void drain_before_close(int sock) {
  ::shutdown(sock, SHUT_WR);
  auto until = clock_type::now() + std::chrono::seconds(1);
  char scratch[4096];
  for (std::size_t drained = 0; drained < 256 * 1024;) {
    if (!wait_for(sock, POLLIN, millis_until(until))) break;
    auto n = ::recv(sock, scratch, sizeof scratch, MSG_DONTWAIT);
    if (n <= 0) break;
    drained += static_cast<std::size_t>(n);
  }
}

void answer_busy(int sock) {
  static const std::string k_busy = [] {
    std::string body = R"({"error":"too many connections; try again later","reason":"busy"})";
    return fmt::format(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Content-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n{}",
        body.size(), body);
  }();
  (void)::send(sock, k_busy.data(), k_busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

bounded_server::bounded_server(refusal_sink on_refusal) : on_refusal_(std::move(on_refusal)) {
  // httplib's own timeouts and keep-alive settings do not apply: the
  // connection loop below (deadline_stream) replaces them.
  new_task_queue = [] { return new connection_pool(k_workers, k_max_waiting); };
}

bool bounded_server::process_and_close_socket(socket_t sock) {
  unique_fd owned(sock);  // closed on every way out, a throwing handler too
  if (t_shedding) {
    on_refusal_("busy", peer_of(sock));
    answer_busy(sock);
    return false;
  }
  deadline_stream strm(sock, clock_type::now() + k_request_deadline, k_max_request_bytes);
  bool closed = false;
  auto ok = process_request(strm, /*close_connection=*/true, closed, [](httplib::Request&) {});
  if (strm.expired()) on_refusal_("request_timeout", peer_of(sock));
  if (strm.over_limit()) on_refusal_("request_too_large", peer_of(sock));
  drain_before_close(sock);
  return ok;
}

}  // namespace peranda::master
