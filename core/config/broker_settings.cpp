// SPDX-License-Identifier: Apache-2.0
#include "core/config/broker_settings.hpp"

#include <optional>
#include <vector>

#include <fmt/ranges.h>

#include <sys/stat.h>
#include <unistd.h>

#include "core/config/key_table.hpp"
#include "core/fs/durable_file.hpp"
#include "core/mqtt/broker_url.hpp"
#include "core/protocol/topics.hpp"

namespace peranda {
namespace {

result<void> readable(std::string_view path) {
  if (path.empty() || ::access(std::string(path).c_str(), R_OK) == 0) return {};
  return failf("cannot read '{}'", path);
}

// Every entry parses, and all are TLS or all plain: a list mixing them would
// let a failover silently drop encryption (or a TLS broker be tried without
// the CA), so it is refused rather than guessed at.
result<void> check_urls(const config_section& s, const std::vector<std::string>& urls) {
  std::optional<bool> tls;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto where = urls.size() == 1 ? std::string() : fmt::format("entry {}: ", i + 1);
    auto url = parse_broker_url(urls[i]);
    if (!url) return std::unexpected(s.error_at("url", where + url.error().message));
    if (tls && *tls != url->tls) {
      return std::unexpected(s.error_at(
          "url", fmt::format("{}'{}' is {} but '{}' is {}: use TLS for every broker of the list "
                             "or for none",
                             where, urls[i], url->tls ? "TLS" : "plain", urls.front(),
                             *tls ? "TLS" : "plain")));
    }
    tls = url->tls;
  }
  return {};
}

using broker_key = config_key<broker_settings>;

constexpr broker_key k_keys[] = {
    {{"broker", "url", key_type::string_or_list, "",
      "Broker address: `tcp://host:port`, or `ssl://host:port` for TLS; or a list of them "
      "(`[\"ssl://a:8883\", \"ssl://b:8883\"]`), tried in order, failing over to the next "
      "when the connection drops. All entries TLS or all plain."},
     &broker_settings::urls},
    {{"broker", "username", key_type::string, "",
      "MQTT user name; in production equal to the node id (the ACL binds it)."},
     &broker_settings::username},
    {{"broker", "password_file", key_type::string, "",
      "File holding the MQTT password (first line); must not be readable by others."}},
    {{"broker", "ca_file", key_type::string, "",
      "PEM CA bundle that signed the broker's certificate (TLS; hostname is verified)."},
     &broker_settings::ca_file, {}, readable},
    {{"broker", "cert_file", key_type::string, "", "PEM client certificate (TLS, optional)."},
     &broker_settings::cert_file, {}, readable},
    {{"broker", "key_file", key_type::string, "", "PEM private key of the client certificate."},
     &broker_settings::key_file, {}, readable},
    {{"broker", "topic_root", key_type::string, "",
      "Prefix of every topic; all programs of one fleet must agree."},
     &broker_settings::topic_root, {}, protocol::topic_scheme::validate_root},
    {{"broker", "keepalive", key_type::duration, "",
      "MQTT keepalive; the broker declares a silent client lost after 1.5 x this."},
     &broker_settings::keepalive, {1000, 18 * 3'600'000}},
};

}  // namespace

std::span<const key_spec> broker_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out;
    describe_defaults<broker_settings>(out, k_keys);
    return out;
  }();
  return keys;
}

mqtt_session::options broker_settings::session_options() const {
  mqtt_session::options o;
  o.server_uri = urls.front();
  o.failover_uris.assign(urls.begin() + 1, urls.end());
  o.username = username;
  o.password = password;
  o.ca_file = ca_file;
  o.cert_file = cert_file;
  o.key_file = key_file;
  o.keepalive = keepalive;
  return o;
}

std::string broker_settings::url_text() const { return fmt::format("{}", fmt::join(urls, ", ")); }

result<broker_settings> load_broker_settings(const config_section& s) {
  broker_settings b;
  if (auto ok = load_keys<broker_settings>(s, k_keys, b); !ok) return std::unexpected(ok.error());
  if (auto ok = check_urls(s, b.urls); !ok) return std::unexpected(ok.error());
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
  return b;
}

}  // namespace peranda
