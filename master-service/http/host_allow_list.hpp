// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "master-service/http/listen_address.hpp"

namespace peranda::master {

// The `Host` values the API answers, against DNS rebinding: a page from
// evil.example whose name was re-pointed at the master still sends
// `Host: evil.example:<port>`. Allowed: the listen address itself; on
// loopback also localhost, 127.0.0.1 and [::1]; on a wildcard address also
// every IP literal (a rebinding page always names a host); and the names
// the operator lists (`http_allowed_hosts`). A name without a port means
// the listen port. Compared case-insensitively. Immutable, thread-safe.
class host_allow_list {
 public:
  host_allow_list(const listen_address& listen, std::span<const std::string> names);

  bool allows(std::string_view host_header) const;

 private:
  // Constant after construction
  std::set<std::string, std::less<>> exact_;  // "name:port", lower case
  std::uint16_t port_;
  bool any_ip_literal_;
};

// Checks one `http_allowed_hosts` entry: a DNS name or IP literal ([v6] in
// brackets), optionally with :port.
[[nodiscard]] result<void> validate_allowed_host(std::string_view entry);

}  // namespace peranda::master
