// SPDX-License-Identifier: Apache-2.0
#include "core/config/broker_settings.hpp"

#include <array>

#include <sys/stat.h>
#include <unistd.h>

#include "core/fs/durable_file.hpp"
#include "core/mqtt/broker_url.hpp"
#include "core/protocol/topics.hpp"

namespace peranda {
namespace {

constexpr std::array k_keys{
    key_spec{"broker", "url", key_type::string, "tcp://127.0.0.1:1883",
             "Broker address: `tcp://host:port`, or `ssl://host:port` for TLS."},
    key_spec{"broker", "username", key_type::string, "",
             "MQTT user name; in production equal to the node id (the ACL binds it)."},
    key_spec{"broker", "password_file", key_type::string, "",
             "File holding the MQTT password (first line); must not be readable by others."},
    key_spec{"broker", "ca_file", key_type::string, "",
             "PEM CA bundle that signed the broker's certificate (TLS; hostname is verified)."},
    key_spec{"broker", "cert_file", key_type::string, "", "PEM client certificate (TLS, optional)."},
    key_spec{"broker", "key_file", key_type::string, "",
             "PEM private key of the client certificate."},
    key_spec{"broker", "topic_root", key_type::string, "peranda/v1",
             "Prefix of every topic; all programs of one fleet must agree."},
    key_spec{"broker", "keepalive", key_type::duration, "30s",
             "MQTT keepalive; the broker declares a silent client lost after 1.5 x this."},
};

result<void> check_readable(const config_section& s, std::string_view key,
                            const std::string& path) {
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return {};
  return std::unexpected(s.error_at(key, fmt::format("cannot read '{}'", path)));
}

}  // namespace

std::span<const key_spec> broker_keys() { return k_keys; }

mqtt_session::options broker_settings::session_options() const {
  mqtt_session::options o;
  o.server_uri = url;
  o.username = username;
  o.password = password;
  o.ca_file = ca_file;
  o.cert_file = cert_file;
  o.key_file = key_file;
  o.keepalive = keepalive;
  return o;
}

result<broker_settings> load_broker_settings(const config_section& s) {
  broker_settings b;
  b.url = s.string_or("url", b.url);
  if (auto url = parse_broker_url(b.url); !url) {
    return std::unexpected(s.error_at("url", url.error().message));
  }
  b.username = s.string_or("username", "");
  b.ca_file = s.string_or("ca_file", "");
  b.cert_file = s.string_or("cert_file", "");
  b.key_file = s.string_or("key_file", "");
  for (auto [key, path] : {std::pair{"ca_file", &b.ca_file}, std::pair{"cert_file", &b.cert_file},
                           std::pair{"key_file", &b.key_file}}) {
    if (auto ok = check_readable(s, key, *path); !ok) return std::unexpected(ok.error());
  }
  if (b.cert_file.empty() != b.key_file.empty()) {
    return std::unexpected(s.error_at("key_file", "cert_file and key_file go together"));
  }
  if (auto file = s.string_or("password_file", ""); !file.empty()) {
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) {
      return std::unexpected(s.error_at("password_file", fmt::format("cannot read '{}'", file)));
    }
    if (st.st_mode & S_IROTH) {
      return std::unexpected(s.error_at(
          "password_file", fmt::format("'{}' is readable by others; chmod o-r it", file)));
    }
    auto text = read_file(file);
    if (!text) return std::unexpected(s.error_at("password_file", text.error().message));
    b.password = text->substr(0, text->find_first_of("\r\n"));
  }
  b.topic_root = s.string_or("topic_root", b.topic_root);
  if (auto ok = protocol::topic_scheme::validate_root(b.topic_root); !ok) {
    return std::unexpected(s.error_at("topic_root", ok.error().message));
  }
  auto keepalive = s.duration_or("keepalive", std::chrono::seconds(30));
  if (keepalive < std::chrono::seconds(1) || keepalive > std::chrono::hours(18)) {
    return std::unexpected(s.error_at("keepalive", "must be between 1s and 18h"));
  }
  b.keepalive = std::chrono::duration_cast<std::chrono::seconds>(keepalive);
  return b;
}

}  // namespace peranda
