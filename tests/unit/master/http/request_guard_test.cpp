// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/request_guard.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;

namespace {

const std::string k_token = "0123456789abcdef-token";

request_guard guard(std::string token = "") {
  return request_guard(host_allow_list(parse_listen_address("127.0.0.1:8641").value(), {}),
                       std::move(token));
}

request_view get(std::string_view path = "/api/v1/nodes") {
  request_view r;
  r.method = "GET";
  r.path = path;
  r.host = "127.0.0.1:8641";
  return r;
}

request_view post() {
  auto r = get("/api/v1/nodes/n1/pull");
  r.method = "POST";
  return r;
}

std::string_view reason(const std::optional<refusal>& r) { return r ? r->reason : "served"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_request_guard)

BOOST_AUTO_TEST_CASE(without_a_token_posts_need_the_request_header) {
  auto g = guard();
  BOOST_TEST(reason(g.check(get())) == "served");
  auto form = post();
  form.content_length = "7";  // a cross-site form: no custom header possible
  auto no = g.check(form);
  BOOST_TEST(reason(no) == "missing_request_header");
  BOOST_TEST(no->status == 403);
  form.request_header = "1";
  BOOST_TEST(reason(g.check(form)) == "served");
  form.request_header = "yes";
  BOOST_TEST(reason(g.check(form)) == "missing_request_header");
}

BOOST_AUTO_TEST_CASE(foreign_hosts_methods_and_encodings_are_refused) {
  auto g = guard();
  auto r = get();
  r.host = "evil.example:8641";
  BOOST_TEST(reason(g.check(r)) == "host_not_allowed");
  BOOST_TEST(g.check(r)->status == 421);
  r.host = "";
  BOOST_TEST(reason(g.check(r)) == "host_not_allowed");
  for (auto m : {"OPTIONS", "PUT", "DELETE", "PATCH", "TRACE"}) {
    auto x = get();
    x.method = m;
    x.request_header = "1";
    BOOST_TEST(reason(g.check(x)) == "method_not_allowed", m);
  }
  auto gz = post();
  gz.request_header = "1";
  gz.content_encoding = "gzip";
  BOOST_TEST(reason(g.check(gz)) == "content_encoding");
  BOOST_TEST(g.check(gz)->status == 415);
  auto chunked = post();
  chunked.request_header = "1";
  chunked.transfer_encoding = "chunked";
  BOOST_TEST(reason(g.check(chunked)) == "transfer_encoding");
  auto big = post();
  big.request_header = "1";
  big.content_length = "65537";
  BOOST_TEST(reason(g.check(big)) == "body_too_large");
  big.content_length = "65536";
  BOOST_TEST(reason(g.check(big)) == "served");
  big.content_length = "-1";
  BOOST_TEST(reason(g.check(big)) == "bad_content_length");
}

BOOST_AUTO_TEST_CASE(with_a_token_everything_but_healthz_needs_it) {
  auto g = guard(k_token);
  BOOST_TEST(reason(g.check(get())) == "bad_token");
  BOOST_TEST(reason(g.check(get("/healthz"))) == "served");
  // The status page's static files: a browser loads them before it can send
  // the token; they hold no data.
  BOOST_TEST(reason(g.check(get("/"))) == "served");
  BOOST_TEST(reason(g.check(get("/ui/app.js"))) == "served");
  BOOST_TEST(reason(g.check(get("/api/v1/nodes/n1/logs"))) == "bad_token");
  const std::string right = "Bearer " + k_token;
  auto r = get();
  r.authorization = right;
  BOOST_TEST(reason(g.check(r)) == "served");
  auto p = post();  // the token suffices for a POST: no form can send it
  p.authorization = r.authorization;
  BOOST_TEST(reason(g.check(p)) == "served");
  std::string wrong = "Bearer " + k_token + "x";
  r.authorization = wrong;
  BOOST_TEST(reason(g.check(r)) == "bad_token");
  // The Host check comes first, even with the right token.
  r.authorization = right;
  r.host = "evil.example";
  BOOST_TEST(reason(g.check(r)) == "host_not_allowed");
}

BOOST_AUTO_TEST_SUITE_END()
