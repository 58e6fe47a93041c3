// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/log_query.hpp"

#include <charconv>

namespace peranda::master {
namespace {

result<std::optional<std::uint64_t>> number(const param_lookup& param, const char* name) {
  auto text = param(name);
  if (!text) return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (text->empty() || ec != std::errc{} || ptr != text->data() + text->size()) {
    return failf("{} must be a non-negative integer, not '{:.40}'", name, *text);
  }
  return v;
}

}  // namespace

result<log_query> parse_log_query(const param_lookup& param) {
  log_query q;
  auto since = number(param, "since");
  if (!since) return std::unexpected(since.error());
  q.since_ms = since->value_or(0);
  auto until = number(param, "until");
  if (!until) return std::unexpected(until.error());
  q.until_ms = *until;
  if (q.until_ms && *q.until_ms < q.since_ms) return fail("until must not be before since");
  auto tail = number(param, "tail");
  if (!tail) return std::unexpected(tail.error());
  if (*tail && (**tail == 0 || **tail > log_query::k_max_tail)) {
    return failf("tail must be 1 to {}", log_query::k_max_tail);
  }
  q.tail = static_cast<std::size_t>(tail->value_or(0));
  if (auto follow = param("follow")) {
    if (*follow != "1" && *follow != "0") return fail("follow must be 1 or 0");
    q.follow = *follow == "1";
  }
  if (q.follow && q.until_ms) return fail("follow cannot be combined with until");
  if (auto grep = param("grep"); grep && !grep->empty()) {
    if (grep->size() > log_query::k_max_grep_bytes) {
      return failf("grep is limited to {} bytes", log_query::k_max_grep_bytes);
    }
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_max_mem(log_query::k_grep_max_mem);
    auto re = std::make_shared<const re2::RE2>(*grep, opts);
    if (!re->ok()) return failf("grep is not a valid RE2 expression: {}", re->error());
    q.grep = std::move(re);
  }
  return q;
}

}  // namespace peranda::master
