// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/session.hpp"

#include <mqtt/async_client.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "core/log/log.hpp"
#include "core/mqtt/broker_url.hpp"
#include "core/mqtt/paho_options.hpp"
#include "core/mqtt/topic_filter.hpp"
#include "core/net/tcp_nodelay.hpp"
#include "core/net/tcp_peers.hpp"

namespace peranda::mqtt_session {
namespace {

auto log() {
  static auto l = get_logger("mqtt");
  return l;
}

// See the class comment: a retired client is never destroyed. It stays
// reachable here, so leak checkers do not report it either.
mqtt::async_client* retire(std::unique_ptr<mqtt::async_client> client) {
  static mutex mu;
  static auto* graveyard = new std::vector<std::unique_ptr<mqtt::async_client>>;
  lock_guard lock(mu);
  graveyard->push_back(std::move(client));
  return graveyard->back().get();
}

void nodelay_towards(std::string_view uri) {
  if (auto url = parse_broker_url(uri)) set_tcp_nodelay_to_port(url->address.port);
}

}  // namespace

// Completion of one publish. Owns itself: Paho calls exactly one of the two
// methods once, after which nothing touches the listener again.
class session::listener : public mqtt::iaction_listener {
 public:
  listener(session& owner, std::uint64_t generation, completion done)
      : owner_(owner), generation_(generation), done_(std::move(done)) {}

  void on_success(const mqtt::token&) override { finish(true); }
  void on_failure(const mqtt::token&) override { finish(false); }

 private:
  void finish(bool delivered) {
    try {
      owner_.release_slot(generation_);
      if (done_) done_(delivered);
    } catch (const std::exception& e) {
      log()->error("publish completion handler threw: {}", e.what());
    }
    delete this;
  }

  session& owner_;
  const std::uint64_t generation_;
  completion done_;
};

session::session(options opts)
    : opts_(std::move(opts)),
      client_(make_client(0)),
      flaps_(opts_.flap_window, opts_.flaps_before_fresh_client) {}

std::unique_ptr<mqtt::async_client> session::make_client(std::uint64_t generation) {
  mqtt::create_options create(MQTTVERSION_3_1_1, static_cast<int>(opts_.max_buffered));
  create.set_send_while_disconnected(true, true);
  auto client = std::make_unique<mqtt::async_client>(opts_.server_uri, opts_.client_id, create);
  client->set_connected_handler([this, generation](const std::string&) {
    try {
      handle_connected(generation);
    } catch (const std::exception& e) {
      log()->error("connected handler threw: {}", e.what());
    }
  });
  client->set_connection_lost_handler([this, generation](const std::string& cause) {
    try {
      handle_connection_lost(generation, cause);
    } catch (const std::exception& e) {
      log()->error("connection lost handler threw: {}", e.what());
    }
  });
  client->set_message_callback([this](mqtt::const_message_ptr msg) {
    try {
      handle_message(msg->get_topic(), msg->get_payload_str(), msg->get_qos(), msg->is_retained());
    } catch (const std::exception& e) {
      log()->error("message handler threw: {}", e.what());
    }
  });
  return client;
}

session::~session() { stop(std::nullopt, std::chrono::milliseconds(500)); }

void session::subscribe(std::string filter, int qos, sink deliver) {
  if (!deliver) throw std::invalid_argument("subscription to '" + filter + "' without a sink");
  lock_guard lock(mu_);
  subscriptions_.push_back({std::move(filter), qos, std::move(deliver)});
}

void session::on_unmatched(sink deliver) {
  lock_guard lock(mu_);
  unmatched_ = std::move(deliver);
}

void session::on_connected(connected_handler handler) {
  lock_guard lock(mu_);
  on_connected_ = std::move(handler);
}

mqtt::connect_options session::connect_options() const {
  auto builder = paho_connect_options(opts_)
                     .automatic_reconnect(opts_.min_retry, opts_.max_retry)
                     .max_inflight(static_cast<int>(opts_.max_inflight));
  if (!opts_.failover_uris.empty()) {
    // Paho tries these in order on every connect and reconnect, starting
    // from the first each time, and moves on when one refuses or times out.
    auto servers = std::make_shared<mqtt::string_collection>(opts_.server_uri);
    for (const auto& uri : opts_.failover_uris) servers->push_back(uri);
    builder.servers(servers);
  }
  return builder.finalize();
}

result<void> session::connect(mqtt::async_client& client) {
  try {
    client.connect(connect_options());
  } catch (const mqtt::exception& e) {
    return failf("cannot start connecting to {}{}: {}", opts_.server_uri,
                 opts_.failover_uris.empty() ? "" : " (and the brokers after it)", e.what());
  }
  return {};
}

result<void> session::start() {
  mqtt::async_client* client = nullptr;
  {
    lock_guard lock(mu_);
    client = client_.get();
  }
  if (auto ok = connect(*client); !ok) return ok;
  replacer_ = std::jthread([this](std::stop_token stop) { replace_flapping_clients(stop); });
  return {};
}

void session::handle_connected(std::uint64_t generation) {
  connected_handler handler;
  std::vector<std::pair<std::string, int>> subs;
  mqtt::async_client* client = nullptr;
  mqtt::async_client* late = nullptr;
  {
    lock_guard lock(mu_);
    if (generation == generation_) {
      connected_ = true;
      flaps_.connected(std::chrono::steady_clock::now());
      handler = on_connected_;
      for (const auto& sub : subscriptions_) subs.emplace_back(sub.filter, sub.qos);
      client = client_.get();
    } else {
      late = retired_.at(generation);
    }
  }
  if (late) {
    // A retired client whose connect was under way when it was stopped.
    log()->debug("a retired client connected; disconnecting it");
    try {
      late->disconnect(std::chrono::milliseconds(0));
    } catch (const mqtt::exception& e) {
      log()->debug("retired client: {}", e.what());
    }
    return;
  }
  // Before the first subscribe or publish of this connection: Paho leaves
  // Nagle on, which holds chunks and alarms for the broker's delayed ACK.
  // Whichever broker of the list answered: set it towards all their ports.
  nodelay_towards(opts_.server_uri);
  for (const auto& uri : opts_.failover_uris) nodelay_towards(uri);
  note_broker();
  // Every connect, not only the first: another broker of the list (or one
  // that lost its state) holds no subscriptions for this client id.
  for (const auto& [filter, qos] : subs) client->subscribe(filter, qos);
  if (handler) handler();
  connected_cv_.notify_all();
}

// Paho does not say which server of the list a reconnect reached (its
// connect response names the first): the process's sockets do.
void session::note_broker() {
  auto uri = opts_.failover_uris.empty() ? opts_.server_uri : [&] {
    std::vector<std::string> all{opts_.server_uri};
    all.insert(all.end(), opts_.failover_uris.begin(), opts_.failover_uris.end());
    return find_connected_broker(all, tcp_peers());
  }();
  bool switched = false;
  std::string before;
  {
    lock_guard lock(mu_);
    before = broker_;
    switched = !uri.empty() && !broker_.empty() && broker_ != uri;
    if (!uri.empty()) broker_ = uri;
  }
  if (switched) {
    ++broker_switches_;
    log()->warn("connected to {} as '{}', not {} as before ({} switch(es) so far)", uri,
                opts_.client_id, before, broker_switches_.load());
  } else {
    log()->info("connected to {} as '{}'", uri.empty() ? "a broker of the list" : uri,
                opts_.client_id);
  }
}

std::string session::connected_broker() const {
  lock_guard lock(mu_);
  return broker_;
}

void session::handle_connection_lost(std::uint64_t generation, const std::string& cause) {
  bool fresh = false;
  {
    lock_guard lock(mu_);
    if (generation != generation_) return;  // a retired client
    connected_ = false;
    fresh = flaps_.lost(std::chrono::steady_clock::now());
    if (fresh) want_fresh_client_ = true;
  }
  auto broker = connected_broker();
  log()->warn("connection to {} lost{}{}; reconnecting{}", broker.empty() ? "the broker" : broker,
              cause.empty() ? "" : ": ", cause,
              opts_.failover_uris.empty() ? "" : " (trying the broker list in order)");
  if (fresh) fresh_client_cv_.notify_all();
}

void session::replace_flapping_clients(std::stop_token stop) {
  unique_lock lock(mu_);
  for (;;) {
    fresh_client_cv_.wait(lock, stop, [&]() REQUIRES(mu_) { return want_fresh_client_; });
    if (stop.stop_requested() || stopping_) return;
    want_fresh_client_ = false;
    auto next = generation_ + 1;
    lock.unlock();
    log()->error(
        "connection to {} as '{}' dropped right after connecting {} times in a row; "
        "starting a fresh MQTT client (what the old one still buffered is resent by peranda)",
        opts_.server_uri, opts_.client_id, opts_.flaps_before_fresh_client);
    auto fresh = make_client(next);
    lock.lock();
    if (stopping_) return;
    retired_.push_back(retire(std::exchange(client_, std::move(fresh))));
    generation_ = next;
    inflight_ = 0;  // the old client's publishes never complete
    auto* old_client = retired_.back();
    auto* new_client = client_.get();
    lock.unlock();
    slot_free_.notify_all();
    ++fresh_clients_;
    try {
      // Ends its reconnect loop even while it is not connected.
      old_client->disconnect(std::chrono::milliseconds(0));
    } catch (const mqtt::exception& e) {
      log()->debug("old client: {}", e.what());
    }
    if (auto ok = connect(*new_client); !ok) log()->error("{}", ok.error().message);
    lock.lock();
  }
}

void session::handle_message(std::string topic, std::string payload, int qos, bool retained) {
  message msg{std::move(topic), std::move(payload), qos, retained};
  // subscriptions_ and unmatched_ change only before start(): no lock
  // needed to read them here.
  auto sub = std::ranges::find_if(
      subscriptions_, [&](const subscription& s) { return topic_matches(s.filter, msg.topic); });
  if (sub == subscriptions_.end()) {
    if (unmatched_) return unmatched_(msg);
    if (unmatched_dropped_.fetch_add(1) % 1000 == 0) {
      log()->warn("message on '{}' matches no subscription; dropped ({} so far)", msg.topic,
                  unmatched_dropped_.load());
    }
    return;
  }
  sub->deliver(msg);
}

bool session::wait_connected(std::chrono::milliseconds timeout) {
  unique_lock lock(mu_);
  return connected_cv_.wait_for(lock, timeout, [&]() REQUIRES(mu_) { return connected_; });
}

bool session::is_connected() const {
  lock_guard lock(mu_);
  return connected_;
}

std::size_t session::inflight() const {
  lock_guard lock(mu_);
  return inflight_;
}

void session::release_slot(std::uint64_t generation) {
  {
    lock_guard lock(mu_);
    if (generation != generation_) return;  // counted afresh for the new client
    --inflight_;
  }
  slot_free_.notify_all();
}

result<void> session::publish(message msg, completion done, bool blocking) {
  mqtt::async_client* client = nullptr;
  std::uint64_t generation = 0;
  {
    unique_lock lock(mu_);
    if (blocking && !slot_free_.wait_for(lock, opts_.slot_wait, [&]() REQUIRES(mu_) {
          return stopping_ || inflight_ < opts_.max_inflight;
        })) {
      slot_waits_given_up_.fetch_add(1);
      log()->warn("publishing to '{}' without a free slot: {} publishes not completed for {} ms",
                  msg.topic, inflight_, opts_.slot_wait.count());
    }
    if (stopping_) return failf("not publishing to '{}': the session is stopping", msg.topic);
    ++inflight_;
    client = client_.get();
    generation = generation_;
  }
  auto* l = new listener(*this, generation, std::move(done));
  try {
    auto m = mqtt::make_message(msg.topic, std::move(msg.payload), msg.qos, msg.retained);
    client->publish(m, nullptr, *l);
  } catch (const mqtt::exception& e) {
    delete l;
    release_slot(generation);
    return failf("cannot publish to '{}': {}", msg.topic, e.what());
  }
  return {};
}

void session::stop(std::optional<message> last, std::chrono::milliseconds timeout) {
  replacer_.request_stop();
  if (replacer_.joinable()) replacer_.join();
  mqtt::async_client* client = nullptr;
  {
    lock_guard lock(mu_);
    if (stopping_) return;
    client = client_.get();
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (last && client->is_connected()) {
    try {
      auto tok = client->publish(
          mqtt::make_message(last->topic, last->payload, last->qos, last->retained));
      tok->wait_for(timeout);
    } catch (const mqtt::exception& e) {
      log()->warn("final message to '{}' not sent: {}", last->topic, e.what());
    }
  }
  {
    unique_lock lock(mu_);
    slot_free_.wait_until(lock, deadline, [&]() REQUIRES(mu_) { return inflight_ == 0; });
    stopping_ = true;
  }
  slot_free_.notify_all();
  try {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    client->disconnect(std::max(remaining, std::chrono::milliseconds(100)))->wait_for(timeout);
  } catch (const mqtt::exception& e) {
    log()->debug("disconnect: {}", e.what());
  }
  {
    lock_guard lock(mu_);
    connected_ = false;
  }
}

}  // namespace peranda::mqtt_session
