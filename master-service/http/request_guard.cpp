// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/request_guard.hpp"

#include <charconv>

#include "master-service/http/bearer_token.hpp"

namespace peranda::master {
namespace {

std::optional<std::uint64_t> parse_length(std::string_view text) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// What a browser fetches before it can send a token: the status page's
// static files hold no data (the page reads the API with the token).
bool is_status_page(std::string_view path) { return path == "/" || path.starts_with("/ui/"); }

}  // namespace

std::optional<refusal> request_guard::check(const request_view& req) const {
  if (!hosts_.allows(req.host)) {
    return refusal{421, "host_not_allowed",
                   fmt::format("Host '{:.100}' is not one this API answers to; add it to "
                               "http_allowed_hosts if it is a name of this master",
                               req.host)};
  }
  bool write = req.method == "POST";
  if (!write && req.method != "GET" && req.method != "HEAD") {
    return refusal{405, "method_not_allowed",
                   fmt::format("method {:.20} is not allowed (no CORS)", req.method)};
  }
  if (!req.content_encoding.empty()) {
    return refusal{415, "content_encoding", "request bodies may not be encoded (Content-Encoding)"};
  }
  if (!req.transfer_encoding.empty()) {
    return refusal{411, "transfer_encoding", "send a Content-Length, not Transfer-Encoding"};
  }
  if (!req.content_length.empty()) {
    auto n = parse_length(req.content_length);
    if (!n) return refusal{400, "bad_content_length", "Content-Length is not a number"};
    if (*n > k_max_request_body) {
      return refusal{413, "body_too_large",
                     fmt::format("request bodies are limited to {} bytes", k_max_request_body)};
    }
  }
  if (!token_.empty()) {
    if (req.path != "/healthz" && !is_status_page(req.path) && !bearer_matches(req.authorization, token_)) {
      return refusal{401, "bad_token", "missing or wrong bearer token"};
    }
    return std::nullopt;
  }
  if (write && req.request_header != "1") {
    return refusal{
        403, "missing_request_header",
        fmt::format("a POST needs the header '{}: 1' (peranda-ctl sends it)", k_request_header)};
  }
  return std::nullopt;
}

}  // namespace peranda::master
