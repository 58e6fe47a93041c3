// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/util/bounded_queue.hpp"

namespace mqtt {
class async_client;
}

namespace peranda::mqtt_session {

struct message {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = false;
};

struct options {
  std::string server_uri = "tcp://127.0.0.1:1883";  // tcp://, ssl://, mqtts://
  std::string client_id;                            // fixed per program instance
  std::string username;
  std::string password;
  std::string ca_file;    // TLS: trust store; hostname verification is on
  std::string cert_file;  // TLS client certificate (optional)
  std::string key_file;
  std::chrono::seconds keepalive{30};
  // false: the broker keeps subscriptions and QoS-1 messages across a
  // connection loss (DESIGN.md: clean sessions lose in-flight messages).
  bool clean_session = false;
  std::optional<message> will;
  // Our bound on QoS-1 publishes not yet acknowledged by the broker.
  std::size_t max_inflight = 32;
  // Paho's buffer: max_inflight plus what may pile up while disconnected.
  std::size_t max_buffered = 1024;
  std::chrono::seconds min_retry{1};
  std::chrono::seconds max_retry{30};
  std::size_t inbox_capacity = 8192;
};

// A connection to the broker that reconnects by itself (with back-off),
// subscribes again on every connect and hands received messages to our own
// bounded inbox. Paho's callback thread only copies and enqueues; it never
// waits. Thread-safe.
class session {
 public:
  // Called on Paho's thread after every (re)connect, after the subscriptions
  // were sent. It may publish with `blocking = false`, but never wait.
  using connected_handler = std::function<void()>;
  // Called on Paho's thread when a publish completes (true: acknowledged).
  using completion = std::function<void(bool delivered)>;

  explicit session(options opts);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // REQUIRES: before start().
  void subscribe(std::string filter, int qos = 1);
  void on_connected(connected_handler handler);

  // Starts connecting in the background; returns at once. A broker that is
  // down is retried with back-off until stop().
  [[nodiscard]] result<void> start();

  bool wait_connected(std::chrono::milliseconds timeout);
  bool is_connected() const;

  // Queues a publish. With `blocking`, waits while max_inflight publishes
  // are outstanding (never call that on Paho's thread). Fails only when the
  // session is stopping or Paho refuses the message (buffer full).
  [[nodiscard]] result<void> publish(message msg, completion done = {}, bool blocking = true);

  // Publishes `last` (e.g. a clean `offline` heartbeat) if given, waits up to
  // `timeout` for it and for outstanding publishes, then disconnects so the
  // broker discards the Will. Idempotent.
  void stop(std::optional<message> last = std::nullopt,
            std::chrono::milliseconds timeout = std::chrono::seconds(5));

  bounded_queue<message>& inbox() { return inbox_; }

  std::uint64_t inbox_dropped() const { return inbox_dropped_.load(); }
  std::uint64_t publish_failures() const { return publish_failures_.load(); }
  std::size_t inflight() const;

 private:
  class listener;
  void handle_connected();
  void handle_message(std::string topic, std::string payload, int qos, bool retained);
  void release_slot(bool delivered);

  // Constant after construction
  const options opts_;
  std::unique_ptr<mqtt::async_client> client_;

  // Guarded by mu_
  mutable std::mutex mu_;
  std::condition_variable slot_free_;
  std::vector<std::pair<std::string, int>> subscriptions_;
  connected_handler on_connected_;
  std::size_t inflight_ = 0;
  bool stopping_ = false;
  bool connected_ = false;
  std::condition_variable connected_cv_;

  bounded_queue<message> inbox_;
  std::atomic<std::uint64_t> inbox_dropped_{0};
  std::atomic<std::uint64_t> publish_failures_{0};
};

}  // namespace peranda::mqtt_session
