// SPDX-License-Identifier: Apache-2.0
#include "node-agent/check_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mqtt/async_client.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/ranges.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/fs/unique_fd.hpp"
#include "core/mqtt/broker_url.hpp"
#include "core/mqtt/paho_options.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/mutex.hpp"

namespace peranda::agent {
namespace {

using namespace std::chrono_literals;
constexpr auto k_step_timeout = 10s;

struct address {
  std::string host;
  std::string port;
  bool tls = false;
};

result<address> parse_url(const std::string& text) {
  auto url = parse_broker_url(text);
  if (!url) return std::unexpected(url.error());
  return address{url->address.host, std::to_string(url->address.port), url->tls};
}

result<std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)>> resolve(const address& a) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (int rc = ::getaddrinfo(a.host.c_str(), a.port.c_str(), &hints, &list); rc != 0) {
    return failf(
        "cannot resolve the broker's name '{}': {}. Check [broker] url for typos, and "
        "that this host's DNS (/etc/resolv.conf) or /etc/hosts knows the name",
        a.host, ::gai_strerror(rc));
  }
  return std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)>(list, ::freeaddrinfo);
}

std::string numeric(const addrinfo* ai) {
  char host[NI_MAXHOST] = "?";
  ::getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
  return host;
}

// Connects to the first address that accepts, waiting k_step_timeout each.
result<unique_fd> tcp_connect(const address& a, const addrinfo* list) {
  std::string refused, silent, other;
  for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
    unique_fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0) continue;
    int err = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{fd.get(), POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(k_step_timeout).count())) == 1) {
        socklen_t len = sizeof err;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      } else {
        err = ETIMEDOUT;
      }
    }
    if (err == 0) {
      ::fcntl(fd.get(), F_SETFL, 0);
      return fd;
    }
    auto& bucket = err == ECONNREFUSED ? refused : err == ETIMEDOUT ? silent : other;
    bucket += (bucket.empty() ? "" : ", ") + numeric(ai) +
              (&bucket == &other ? std::string(" (") + std::strerror(err) + ")" : "");
  }
  if (!refused.empty()) {
    return failf(
        "connection refused by {} port {}: nothing listens there. Is the broker "
        "running, and is {} the port of its listener (8883 for TLS, 1883 plain)?",
        refused, a.port, a.port);
  }
  if (!silent.empty()) {
    return failf(
        "no answer from {} port {} within {} s: a firewall drops the packets, or the "
        "address is wrong",
        silent, a.port, k_step_timeout.count());
  }
  return failf("cannot connect to '{}' port {}: {}", a.host, a.port, other);
}

std::string openssl_error() {
  unsigned long code = ::ERR_get_error();
  if (code == 0) return "the connection was closed during the handshake";
  char buf[256];
  ::ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// Under TLS 1.3 the broker judges our client certificate (or its absence)
// after our side of the handshake is done: a refusal arrives as an alert
// right after it. An accepting broker sends at most session tickets, then
// waits for CONNECT, so a second without an alert means accepted.
result<void> check_client_accepted(int fd, SSL* ssl, const broker_settings& b) {
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() + 1s;
  char byte;
  while (true) {
    int n = ::SSL_peek(ssl, &byte, 1);
    if (n > 0) return {};
    if (::SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) return {};
  }
  auto reason = openssl_error();
  if (b.cert_file.empty()) {
    return failf(
        "TLS: the broker requires a client certificate ({}): set [broker] cert_file "
        "and key_file (scripts/provision-node.sh --ca-cert ... issues one)",
        reason);
  }
  return failf(
      "TLS: the broker refused the client certificate '{}' ({}): is it signed by the "
      "CA the broker trusts (its cafile), and not expired?",
      b.cert_file, reason);
}

// Our own handshake, before Paho's, because Paho reports every TLS failure
// as one generic error while OpenSSL can say exactly what is wrong.
result<void> tls_handshake(int fd, const address& a, const broker_settings& b) {
  std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> ctx(::SSL_CTX_new(::TLS_client_method()),
                                                          ::SSL_CTX_free);
  if (!ctx) return failf("TLS: {}", openssl_error());
  ::SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  int loaded = b.ca_file.empty()
                   ? ::SSL_CTX_set_default_verify_paths(ctx.get())
                   : ::SSL_CTX_load_verify_locations(ctx.get(), b.ca_file.c_str(), nullptr);
  if (loaded != 1) return failf("TLS: cannot load ca_file '{}': {}", b.ca_file, openssl_error());
  if (!b.cert_file.empty() &&
      (::SSL_CTX_use_certificate_chain_file(ctx.get(), b.cert_file.c_str()) != 1 ||
       ::SSL_CTX_use_PrivateKey_file(ctx.get(), b.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
       ::SSL_CTX_check_private_key(ctx.get()) != 1)) {
    return failf("TLS: the client certificate '{}' or its key '{}' is unusable: {}", b.cert_file,
                 b.key_file, openssl_error());
  }
  std::unique_ptr<SSL, decltype(&::SSL_free)> ssl(::SSL_new(ctx.get()), ::SSL_free);
  in6_addr ip{};
  bool is_ip = ::inet_pton(AF_INET, a.host.c_str(), &ip) == 1 ||
               ::inet_pton(AF_INET6, a.host.c_str(), &ip) == 1;
  if (is_ip) {
    ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl.get()), a.host.c_str());
  } else {
    ::SSL_set_tlsext_host_name(ssl.get(), a.host.c_str());
    ::SSL_set1_host(ssl.get(), a.host.c_str());
  }
  timeval tv{static_cast<time_t>(k_step_timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::SSL_set_fd(ssl.get(), fd);
  if (::SSL_connect(ssl.get()) == 1) {
    auto accepted = check_client_accepted(fd, ssl.get(), b);
    if (accepted) ::SSL_shutdown(ssl.get());
    return accepted;
  }
  long verify = ::SSL_get_verify_result(ssl.get());
  if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return failf(
        "TLS: the broker's certificate does not name '{}'. Put a name the certificate "
        "lists (its subjectAltName) in [broker] url, or reissue the certificate with "
        "'{}' in it",
        a.host, a.host);
  }
  if (verify != X509_V_OK) {
    return failf(
        "TLS: the broker's certificate is not trusted: {}. Check that [broker] ca_file "
        "('{}') is the CA that signed the broker's certificate, and the clocks",
        ::X509_verify_cert_error_string(verify), b.ca_file.empty() ? "system default" : b.ca_file);
  }
  return failf(
      "TLS handshake with {}:{} failed: {}. Is that port a TLS listener (8883), and "
      "does the broker require a client certificate (cert_file, key_file)?",
      a.host, a.port, openssl_error());
}

std::string explain_refusal(int code, const broker_settings& b) {
  // MQTT 3.1.1 CONNACK return codes (mosquitto also uses 5 for unknown users).
  switch (code) {
    case 1:
      return "the broker does not speak MQTT 3.1.1";
    case 2:
      return "the broker rejected the client id";
    case 3:
      return "the broker is up but not accepting connections (server unavailable)";
    case 4:
    case 5:
      if (b.username.empty()) {
        return "the broker refuses anonymous clients: set [broker] username (the node id) and "
               "password_file";
      }
      return fmt::format(
          "the broker refused user '{}': wrong user name or password (or the "
          "user is not in the broker's password_file). Check [broker] "
          "password_file; re-provision with scripts/provision-node.sh",
          b.username);
    default:
      return fmt::format("the broker refused the connection (code {})", code);
  }
}

// Messages from Paho's thread to ours.
class mailbox {
 public:
  void put(mqtt::const_message_ptr msg) {
    {
      lock_guard lock(mu_);
      messages_.push_back(std::move(msg));
    }
    cv_.notify_all();
  }
  // Waits for a non-retained, empty message on `topic`.
  bool wait_probe(const std::string& topic) {
    unique_lock lock(mu_);
    return cv_.wait_for(lock, k_step_timeout, [&]() REQUIRES(mu_) {
      for (const auto& m : messages_) {
        if (m->get_topic() == topic && !m->is_retained() && m->get_payload().empty()) return true;
      }
      return false;
    });
  }

 private:
  mutex mu_;
  std::condition_variable_any cv_;
  std::vector<mqtt::const_message_ptr> messages_ GUARDED_BY(mu_);
};

result<void> mqtt_round_trip(const agent_config& config, const std::string& url,
                             std::FILE* out) {
  const auto& b = config.broker;
  auto topic = protocol::topic_scheme(b.topic_root).heartbeat(config.node_id);
  mailbox box;  // declared first: it must outlive the client's callback thread
  // `<user>:...`: the broker plugin binds client ids to user names (and the
  // ACL step below names a node id that is not the user name).
  auto owner = b.username.empty() ? config.node_id : b.username;
  mqtt::async_client client(url, fmt::format("{}:check-{}", owner, ::getpid()),
                            mqtt::create_options(MQTTVERSION_3_1_1));
  client.set_message_callback([&](mqtt::const_message_ptr m) { box.put(std::move(m)); });
  auto options = b.session_options();
  options.clean_session = true;  // a probe leaves no session behind
  auto builder = mqtt_session::paho_connect_options(options).connect_timeout(k_step_timeout);
  try {
    if (!client.connect(builder.finalize())->wait_for(2 * k_step_timeout)) {
      return failf("the broker did not answer the MQTT CONNECT: is {} an MQTT port?", url);
    }
  } catch (const mqtt::exception& e) {
    if (e.get_return_code() > 0) return fail(explain_refusal(e.get_return_code(), b));
    return failf("MQTT connection failed: {}", e.what());
  }
  fmt::print(out, "ok   MQTT login as '{}'\n", b.username.empty() ? "(anonymous)" : b.username);

  result<void> outcome;
  try {
    auto sub = client.subscribe(topic, 1);
    sub->wait_for(k_step_timeout);
    auto response = sub->get_subscribe_response();
    for (auto code : response.get_reason_codes()) {
      if (code >= 0x80) {
        outcome = failf("the broker does not let user '{}' read '{}'", b.username, topic);
      }
    }
    if (outcome) {
      fmt::print(out, "ok   subscribed to {}\n", topic);
      client.publish(mqtt::make_message(topic, "", 1, false))->wait_for(k_step_timeout);
      if (!box.wait_probe(topic)) {
        outcome = failf(
            "the broker accepted a probe on '{}' but never delivered it back: its ACL does not "
            "let user '{}' write (or read) this node's topics. The peranda ACL binds each node "
            "to peranda/v1/nodes/<user name>/...: the user name must equal the node id ('{}')",
            topic, b.username, config.node_id);
      } else {
        fmt::print(out, "ok   published a probe and read it back (ACL allows this node)\n");
      }
    }
  } catch (const mqtt::exception& e) {
    outcome =
        failf("the broker refused to let user '{}' use '{}': {}", b.username, topic, e.what());
  }
  try {
    client.disconnect()->wait_for(k_step_timeout);
  } catch (const mqtt::exception&) {
    // Already disconnected: nothing to clean up.
  }
  return outcome;
}

// One broker of the list, step by step.
result<void> check_broker(const agent_config& config, const std::string& text, std::FILE* out) {
  auto url = parse_url(text);
  if (!url) return std::unexpected(url.error());
  const auto& a = *url;
  auto addresses = resolve(a);
  if (!addresses) return std::unexpected(addresses.error());
  fmt::print(out, "ok   resolved '{}' to {}\n", a.host, numeric(addresses->get()));
  {
    auto fd = tcp_connect(a, addresses->get());
    if (!fd) return std::unexpected(fd.error());
    fmt::print(out, "ok   TCP connection to port {}\n", a.port);
    if (a.tls) {
      if (auto ok = tls_handshake(fd->get(), a, config.broker); !ok) return ok;
      fmt::print(out, "ok   TLS: certificate trusted and valid for '{}'\n", a.host);
    }
  }  // our probe connection closes here; Paho opens its own
  return mqtt_round_trip(config, text, out);
}

}  // namespace

result<void> check_connection(const agent_config& config, std::FILE* out) {
  const auto& urls = config.broker.urls;
  if (urls.size() == 1) return check_broker(config, urls.front(), out);
  // Every broker of a failover list must work: the one that fails is found
  // now, not on the day the agent needs it.
  std::vector<std::string> failed;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    fmt::print(out, "---- broker {} of {}: {}\n", i + 1, urls.size(), urls[i]);
    if (auto ok = check_broker(config, urls[i], out); !ok) {
      fmt::print(out, "FAIL {}\n", ok.error().message);
      failed.push_back(fmt::format("{} ({})", urls[i], ok.error().message));
    }
  }
  if (failed.empty()) return {};
  return failf("{} of {} brokers failed: {}", failed.size(), urls.size(), fmt::join(failed, "; "));
}

}  // namespace peranda::agent
