// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace peranda::master {

// A cpp-httplib server whose connections cannot starve each other:
// - a fixed pool of k_workers threads; at most k_max_waiting connections
//   wait for one, later ones get 503 at once on the accepting thread;
// - one request per connection (no keep-alive), whose head and body must
//   arrive within k_request_deadline in total and k_max_request_bytes; a
//   client sending slowly or never loses its connection then, so slow
//   clients hold a worker for a bounded time;
// - writes time out after k_write_timeout (a follower that stops reading).
// Every connection it refuses is reported to `on_refusal` with a constant
// reason ("busy", "request_timeout", "request_too_large") and the peer.
// Routes, handlers and start/stop are httplib::Server's.
class bounded_server final : public httplib::Server {
 public:
  static constexpr std::size_t k_workers = 16;
  static constexpr std::size_t k_max_waiting = 64;
  static constexpr std::chrono::seconds k_request_deadline{5};
  static constexpr std::chrono::seconds k_write_timeout{5};
  static constexpr std::size_t k_max_request_bytes = 80 * 1024;  // head + body

  using refusal_sink = std::function<void(std::string_view reason, const std::string& peer)>;

  // REQUIRES: on_refusal is thread-safe and outlives the server.
  explicit bounded_server(refusal_sink on_refusal);

 private:
  bool process_and_close_socket(socket_t sock) override;

  // Constant after construction
  const refusal_sink on_refusal_;
};

}  // namespace peranda::master
