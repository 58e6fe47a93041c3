// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/mqtt/flap_detector.hpp"
#include "core/util/mutex.hpp"

namespace mqtt {
class async_client;
class connect_options;
}  // namespace mqtt

namespace peranda::mqtt_session {

struct message {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = false;
};

struct options {
  std::string server_uri = "tcp://127.0.0.1:1883";  // tcp://, ssl://, mqtts://
  // Further brokers, tried in order after server_uri on every (re)connect
  // (Paho's serverURIs): the session fails over to the first that answers.
  // Same scheme as server_uri (broker_settings refuses a mix).
  std::vector<std::string> failover_uris;
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
  // How long a blocking publish waits for a free slot before it publishes
  // anyway (warned and counted): a completion Paho never delivers must not
  // stop a publisher for good.
  std::chrono::milliseconds slot_wait{std::chrono::seconds(30)};
  // Paho's buffer: max_inflight plus what may pile up while disconnected.
  std::size_t max_buffered = 1024;
  std::chrono::seconds min_retry{1};
  std::chrono::seconds max_retry{30};
  // A connection lost this soon after connecting, `flaps_before_fresh_client`
  // times in a row, makes the session drop Paho's client for a fresh one.
  std::chrono::milliseconds flap_window{std::chrono::seconds(2)};
  unsigned flaps_before_fresh_client = 3;
};

// A connection to the broker that reconnects by itself (with back-off),
// subscribes again on every connect and hands each received message to the
// sink of the subscription it matches. Paho's
// callback thread only copies and hands over; it never waits.
//
// Paho C 1.3.12 can keep a freed message in its resend list after a write
// failed as the broker died (paho.mqtt.c#1310, #1592); every reconnect then
// re-sends the garbage, the broker closes the connection as malformed, and
// the client never recovers. So a connection that keeps dropping right
// after CONNACK gets a fresh Paho client (same client id, so the broker's
// session survives). What the old client still buffered is dropped: every
// peranda stream resends at the application level (alarm outbox, upload
// acks, request timeouts, periodic heartbeats). Old clients are stopped but
// never destroyed, since destroying one would free that message again.
// Thread-safe.
class session {
 public:
  // Called on Paho's thread after every (re)connect, after the subscriptions
  // were sent. It may publish with `blocking = false`, but never wait.
  using connected_handler = std::function<void()>;
  // Called on Paho's thread when a publish completes (true: acknowledged).
  using completion = std::function<void(bool delivered)>;
  // Called on Paho's thread with each received message of its subscription;
  // it may take the message (move from it) and must never block.
  using sink = std::function<void(message&)>;

  explicit session(options opts);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // REQUIRES: before start(). A received message goes to `deliver` of the
  // first subscription whose filter matches its topic.
  void subscribe(std::string filter, int qos, sink deliver);
  // REQUIRES: before start(). Where a message matching no subscription goes
  // (one the broker still holds for this persistent session from an earlier
  // run, say); without a sink it is dropped, with a warning.
  void on_unmatched(sink deliver);
  void on_connected(connected_handler handler);

  // Starts connecting in the background; returns at once. A broker that is
  // down is retried with back-off until stop().
  [[nodiscard]] result<void> start();

  bool wait_connected(std::chrono::milliseconds timeout);
  bool is_connected() const;

  // Queues a publish. With `blocking`, waits while max_inflight publishes
  // are outstanding, at most slot_wait (never call that on Paho's thread).
  // Fails only when the session is stopping or Paho refuses the message
  // (buffer full).
  [[nodiscard]] result<void> publish(message msg, completion done = {}, bool blocking = true);

  // Publishes `last` (e.g. a clean `offline` heartbeat) if given, waits up to
  // `timeout` for it and for outstanding publishes, then disconnects so the
  // broker discards the Will. Idempotent.
  void stop(std::optional<message> last = std::nullopt,
            std::chrono::milliseconds timeout = std::chrono::seconds(5));

  std::uint64_t fresh_clients() const { return fresh_clients_.load(); }
  // The broker of the current (or last) connection: server_uri without a
  // list; with one, the entry this process's sockets lead to (empty before
  // the first connect or when that is not known: find_connected_broker).
  std::string connected_broker() const;
  // Connections made to a different broker than the one before.
  std::uint64_t broker_switches() const { return broker_switches_.load(); }
  std::uint64_t slot_waits_given_up() const { return slot_waits_given_up_.load(); }
  std::size_t inflight() const;

 private:
  class listener;
  // `generation` tells its callbacks apart from those of retired clients.
  std::unique_ptr<mqtt::async_client> make_client(std::uint64_t generation);
  mqtt::connect_options connect_options() const;
  // Starts `client` connecting; logs (and returns) a refusal.
  result<void> connect(mqtt::async_client& client);
  // On Paho's thread after each connect: notes (and logs) which broker of
  // the list answered, counting a switch.
  void note_broker();
  void handle_connected(std::uint64_t generation);
  void handle_connection_lost(std::uint64_t generation, const std::string& cause);
  void handle_message(std::string topic, std::string payload, int qos, bool retained);
  void release_slot(std::uint64_t generation);
  // The replacer thread: a fresh client for a flapping connection.
  void replace_flapping_clients(std::stop_token stop);

  // Constant after construction
  const options opts_;

  // Set before start(), read-only after: read without a lock.
  struct subscription {
    std::string filter;
    int qos = 1;
    sink deliver;
  };
  std::vector<subscription> subscriptions_;
  sink unmatched_;
  connected_handler on_connected_;

  mutable mutex mu_;
  std::unique_ptr<mqtt::async_client> client_ GUARDED_BY(mu_);
  std::vector<mqtt::async_client*> retired_ GUARDED_BY(mu_);  // by generation; never destroyed
  std::uint64_t generation_ GUARDED_BY(mu_) =
      0;  // of client_; a retired client's completions are ignored
  std::condition_variable_any slot_free_;
  std::size_t inflight_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool connected_ GUARDED_BY(mu_) = false;
  std::condition_variable_any connected_cv_;
  flap_detector flaps_ GUARDED_BY(mu_);
  bool want_fresh_client_ GUARDED_BY(mu_) = false;
  std::condition_variable_any fresh_client_cv_;
  std::string broker_ GUARDED_BY(mu_);  // of the current or last connection

  std::atomic<std::uint64_t> unmatched_dropped_{0};
  std::atomic<std::uint64_t> fresh_clients_{0};
  std::atomic<std::uint64_t> broker_switches_{0};
  std::atomic<std::uint64_t> slot_waits_given_up_{0};
  std::jthread replacer_;
};

}  // namespace peranda::mqtt_session
