// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/host_allow_list.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace peranda::master {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct host_port {
  std::string_view host;  // IPv6 keeps its brackets
  std::string_view port;  // empty when absent
};

// Splits "name", "name:80", "[::1]", "[::1]:80"; nullopt if malformed.
std::optional<host_port> split(std::string_view text) {
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto rest = text.substr(close + 1);
    if (!rest.empty() && (rest.size() < 2 || rest.front() != ':')) return std::nullopt;
    return host_port{text.substr(0, close + 1), rest.empty() ? rest : rest.substr(1)};
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return host_port{text, {}};
  if (colon + 1 == text.size() || text.find(':', colon + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return host_port{text.substr(0, colon), text.substr(colon + 1)};
}

bool valid_port(std::string_view p) {
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  return !p.empty() && ec == std::errc{} && ptr == p.data() + p.size() && v > 0 && v <= 65535;
}

bool is_ip_literal(std::string_view host) {
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    std::string v6(host.substr(1, host.size() - 2));
    return ::inet_pton(AF_INET6, v6.c_str(), buf) == 1;
  }
  std::string v4(host);
  return ::inet_pton(AF_INET, v4.c_str(), buf) == 1;
}

bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  return std::ranges::all_of(
      host, [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
}

}  // namespace

host_allow_list::host_allow_list(const listen_address& listen, std::span<const std::string> names)
    : port_(listen.port), any_ip_literal_(listen.wildcard) {
  auto add = [&](std::string_view host) {
    exact_.insert(fmt::format("{}:{}", lower(host), port_));
  };
  add(listen.ipv6 ? "[" + listen.host + "]" : listen.host);
  if (listen.loopback || listen.wildcard) {
    for (auto h : {"localhost", "127.0.0.1", "[::1]"}) add(h);
  }
  for (const auto& n : names) {
    auto hp = split(n);
    if (!hp) continue;  // validate_allowed_host refused it at load
    if (hp->port.empty()) {
      add(hp->host);
    } else {
      exact_.insert(lower(n));
    }
  }
}

bool host_allow_list::allows(std::string_view host_header) const {
  auto hp = split(host_header);
  if (!hp || hp->host.empty()) return false;
  // Browsers leave the port out when it is the scheme's default.
  auto port = hp->port.empty() ? std::string_view("80") : hp->port;
  if (!valid_port(port)) return false;
  auto key = fmt::format("{}:{}", lower(hp->host), port);
  if (exact_.contains(key)) return true;
  return any_ip_literal_ && port == std::to_string(port_) && is_ip_literal(hp->host);
}

result<void> validate_allowed_host(std::string_view entry) {
  auto hp = split(entry);
  if (!hp || (!is_dns_name(hp->host) && !is_ip_literal(hp->host)) ||
      (!hp->port.empty() && !valid_port(hp->port))) {
    return failf("'{}' is not a host name or IP address with an optional :port", entry);
  }
  return {};
}

}  // namespace peranda::master
