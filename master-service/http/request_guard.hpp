// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "master-service/http/host_allow_list.hpp"

namespace peranda::master {

// The header a client sends on every POST when no token is configured. A
// cross-site form cannot send it, and a script can only after a CORS
// preflight, which the API never grants.
inline constexpr std::string_view k_request_header = "X-Peranda-Request";

// Largest request body the API reads; its routes take none.
inline constexpr std::size_t k_max_request_body = 64 * 1024;

// What the guard looks at in a request (headers absent: empty).
struct request_view {
  std::string_view method;
  std::string_view path;
  std::string_view host;
  std::string_view authorization;
  std::string_view request_header;  // k_request_header
  std::string_view content_encoding;
  std::string_view transfer_encoding;
  std::string_view content_length;
};

// Why a request is not served: the HTTP status, a constant reason (a
// metrics label) and a sentence for the client.
struct refusal {
  int status;
  std::string_view reason;
  std::string message;
};

// Decides, before any body is read, whether the API serves a request:
// `Host` allow-listed (421 otherwise), only GET/HEAD/POST (405, so CORS
// preflights fail), no Content-Encoding (415; nothing is inflated), bodies
// of at most k_max_request_body with a Content-Length (413/411), the bearer
// token when one is configured (401, except /healthz and the status
// page's static files at / and /ui/), and without a token
// k_request_header on every POST (403). Immutable, thread-safe.
class request_guard {
 public:
  request_guard(host_allow_list hosts, std::string token)
      : hosts_(std::move(hosts)), token_(std::move(token)) {}

  std::optional<refusal> check(const request_view& req) const;
  bool token_required() const { return !token_.empty(); }

 private:
  // Constant after construction
  const host_allow_list hosts_;
  const std::string token_;
};

}  // namespace peranda::master
