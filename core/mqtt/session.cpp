// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/session.hpp"

#include <mqtt/async_client.h>

#include "core/log/log.hpp"
#include "core/net/tcp_nodelay.hpp"

namespace peranda::mqtt_session {
namespace {

auto log() {
  static auto l = get_logger("mqtt");
  return l;
}

}  // namespace

// Completion of one publish. Owns itself: Paho calls exactly one of the two
// methods once, after which nothing touches the listener again.
class session::listener : public mqtt::iaction_listener {
 public:
  listener(session& owner, completion done) : owner_(owner), done_(std::move(done)) {}

  void on_success(const mqtt::token&) override { finish(true); }
  void on_failure(const mqtt::token&) override { finish(false); }

 private:
  void finish(bool delivered) {
    try {
      owner_.release_slot(delivered);
      if (done_) done_(delivered);
    } catch (const std::exception& e) {
      log()->error("publish completion handler threw: {}", e.what());
    }
    delete this;
  }

  session& owner_;
  completion done_;
};

session::session(options opts) : opts_(std::move(opts)), inbox_(opts_.inbox_capacity) {
  mqtt::create_options create(MQTTVERSION_3_1_1, static_cast<int>(opts_.max_buffered));
  create.set_send_while_disconnected(true, true);
  client_ = std::make_unique<mqtt::async_client>(opts_.server_uri, opts_.client_id, create);
  client_->set_connected_handler([this](const std::string&) {
    try {
      handle_connected();
    } catch (const std::exception& e) {
      log()->error("connected handler threw: {}", e.what());
    }
  });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    {
      std::lock_guard lock(mu_);
      connected_ = false;
    }
    log()->warn("connection to {} lost{}{}; reconnecting", opts_.server_uri,
                cause.empty() ? "" : ": ", cause);
  });
  client_->set_message_callback([this](mqtt::const_message_ptr msg) {
    try {
      handle_message(msg->get_topic(), msg->get_payload_str(), msg->get_qos(), msg->is_retained());
    } catch (const std::exception& e) {
      log()->error("message handler threw: {}", e.what());
    }
  });
}

session::~session() {
  stop(std::nullopt, std::chrono::milliseconds(500));
  inbox_.close();
}

void session::subscribe(std::string filter, int qos) {
  std::lock_guard lock(mu_);
  subscriptions_.emplace_back(std::move(filter), qos);
}

void session::on_connected(connected_handler handler) {
  std::lock_guard lock(mu_);
  on_connected_ = std::move(handler);
}

result<void> session::start() {
  auto builder = mqtt::connect_options_builder()
                     .keep_alive_interval(opts_.keepalive)
                     .clean_session(opts_.clean_session)
                     .automatic_reconnect(opts_.min_retry, opts_.max_retry)
                     .max_inflight(static_cast<int>(opts_.max_inflight));
  if (!opts_.username.empty()) builder.user_name(opts_.username);
  if (!opts_.password.empty()) builder.password(opts_.password);
  if (opts_.will) {
    builder.will(mqtt::message(opts_.will->topic, opts_.will->payload, opts_.will->qos,
                               opts_.will->retained));
  }
  bool tls = opts_.server_uri.starts_with("ssl://") || opts_.server_uri.starts_with("mqtts://");
  if (tls) {
    mqtt::ssl_options ssl;
    ssl.set_verify(true);  // hostname verification is off in Paho unless asked
    ssl.set_enable_server_cert_auth(true);
    if (!opts_.ca_file.empty()) ssl.set_trust_store(opts_.ca_file);
    if (!opts_.cert_file.empty()) ssl.set_key_store(opts_.cert_file);
    if (!opts_.key_file.empty()) ssl.set_private_key(opts_.key_file);
    builder.ssl(std::move(ssl));
  }
  auto connect_opts = builder.finalize();
  try {
    client_->connect(connect_opts);
  } catch (const mqtt::exception& e) {
    return failf("cannot start connecting to {}: {}", opts_.server_uri, e.what());
  }
  return {};
}

void session::handle_connected() {
  connected_handler handler;
  std::vector<std::pair<std::string, int>> subs;
  {
    std::lock_guard lock(mu_);
    connected_ = true;
    handler = on_connected_;
    subs = subscriptions_;
  }
  log()->info("connected to {} as '{}'", opts_.server_uri, opts_.client_id);
  // Before the first subscribe or publish of this connection: Paho leaves
  // Nagle on, which holds chunks and alarms for the broker's delayed ACK.
  set_tcp_nodelay_to_port(uri_port(opts_.server_uri));
  for (const auto& [filter, qos] : subs) client_->subscribe(filter, qos);
  if (handler) handler();
  connected_cv_.notify_all();
}

void session::handle_message(std::string topic, std::string payload, int qos, bool retained) {
  if (inbox_.try_push(message{std::move(topic), std::move(payload), qos, retained})) return;
  if (inbox_dropped_.fetch_add(1) % 1000 == 0) {
    log()->error("inbox full ({} messages): dropped {} incoming message(s) so far",
                 opts_.inbox_capacity, inbox_dropped_.load());
  }
}

bool session::wait_connected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return connected_cv_.wait_for(lock, timeout, [&] { return connected_; });
}

bool session::is_connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

std::size_t session::inflight() const {
  std::lock_guard lock(mu_);
  return inflight_;
}

void session::release_slot(bool delivered) {
  if (!delivered) publish_failures_.fetch_add(1);
  {
    std::lock_guard lock(mu_);
    --inflight_;
  }
  slot_free_.notify_all();
}

result<void> session::publish(message msg, completion done, bool blocking) {
  {
    std::unique_lock lock(mu_);
    if (blocking) {
      slot_free_.wait(lock, [&] { return stopping_ || inflight_ < opts_.max_inflight; });
    }
    if (stopping_) return failf("not publishing to '{}': the session is stopping", msg.topic);
    ++inflight_;
  }
  auto* l = new listener(*this, std::move(done));
  try {
    auto m = mqtt::make_message(msg.topic, msg.payload, msg.qos, msg.retained);
    client_->publish(m, nullptr, *l);
  } catch (const mqtt::exception& e) {
    delete l;
    release_slot(false);
    return failf("cannot publish to '{}': {}", msg.topic, e.what());
  }
  return {};
}

void session::stop(std::optional<message> last, std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (last && client_->is_connected()) {
    try {
      auto tok = client_->publish(mqtt::make_message(last->topic, last->payload, last->qos,
                                                     last->retained));
      tok->wait_for(timeout);
    } catch (const mqtt::exception& e) {
      log()->warn("final message to '{}' not sent: {}", last->topic, e.what());
    }
  }
  {
    std::unique_lock lock(mu_);
    slot_free_.wait_until(lock, deadline, [&] { return inflight_ == 0; });
    stopping_ = true;
  }
  slot_free_.notify_all();
  try {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    client_->disconnect(std::max(remaining, std::chrono::milliseconds(100)))->wait_for(timeout);
  } catch (const mqtt::exception& e) {
    log()->debug("disconnect: {}", e.what());
  }
  {
    std::lock_guard lock(mu_);
    connected_ = false;
  }
}

}  // namespace peranda::mqtt_session
