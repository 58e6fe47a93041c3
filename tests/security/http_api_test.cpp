// SPDX-License-Identifier: Apache-2.0
// Issue 14, item 10: the master's HTTP API, bound on loopback, attacked the
// way a web page in an operator's browser or a local process would: a
// cross-site form POST, DNS rebinding (a foreign Host), a gzip bomb, slow
// connections; and unsafe listen addresses and token files at start. Each
// is refused and counted, and node-b's presence and pulls are unaffected.
#define BOOST_TEST_MODULE http_api
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/integration/master_fixture.hpp"
#include "tests/security/attacked_fleet.hpp"

namespace peranda::test {
namespace {

// One plain TCP connection to the API, to send what no polite client would.
class raw_connection {
 public:
  explicit raw_connection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~raw_connection() { ::close(fd_); }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Everything the server sends until it closes (or the deadline passes).
  std::string read_all() {
    std::string out;
    auto until = std::chrono::steady_clock::now() + k_deadline;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // True once the server has closed (or reset) the connection.
  bool closed_by_server() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char buf[256];
    return ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) <= 0;
  }

 private:
  int fd_;
};

std::string host_of(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string round_trip(std::uint16_t port, const std::string& request) {
  raw_connection c(port);
  BOOST_REQUIRE(c.send(request));
  return c.read_all();
}

double refused(std::uint16_t port, const std::string& reason) {
  return metric(port, "peranda_http_refused_total{reason=\"" + reason + "\"}");
}

// node-b's pulls the master knows of, and whether all are finished.
std::pair<std::size_t, bool> node_b_pulls(std::uint16_t port) {
  auto j = http_get_json(port, "/api/v1/pulls");
  std::size_t n = 0;
  bool finished = true;
  if (!j.is_object()) return {0, false};
  for (const auto& p : j["pulls"]) {
    if (p.value("node", "") != "node-b") continue;
    ++n;
    finished = finished && p.value("finished", false);
  }
  return {n, finished};
}

struct ctl_result {
  int status;
  std::string output;
};

ctl_result run_ctl(const std::filesystem::path& dir, std::vector<std::string> args) {
  static int runs = 0;
  args.insert(args.begin(), program("peranda-ctl"));
  child_process p(args, dir / fmt::format("ctl-{}.log", ++runs));
  auto status = p.wait_exit(k_deadline);
  return {status, p.log()};
}

// peranda-master started on `master_lines` ([master] section) until it exits.
ctl_result run_master(const std::filesystem::path& dir, const std::string& master_lines) {
  static int runs = 0;
  auto conf = dir / fmt::format("bad-{}.toml", ++runs);
  std::ofstream(conf) << "[broker]\nurl = \"tcp://127.0.0.1:1\"\n[master]\nid = \"m-bad\"\n"
                      << "data_dir = \"" << (dir / "bad-data").string() << "\"\n"
                      << master_lines << "\n";
  child_process p({program("peranda-master"), "--config", conf.string()},
                  dir / fmt::format("bad-{}.log", runs));
  auto status = p.wait_exit(k_deadline);
  return {status, p.log()};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(http_api, attacked_fleet)

// Wait for the first (automatic) pull of node-b to end, so that any later
// pull is one the test caused.
void settle(attacked_fleet& f) {
  BOOST_REQUIRE(wait_until([&] {
    auto [n, finished] = node_b_pulls(f.http_port);
    return n >= 1 && finished;
  }));
}

BOOST_AUTO_TEST_CASE(a_cross_site_form_post_triggers_no_pull) {
  settle(*this);
  auto before = node_b_pulls(http_port).first;
  // What a page on evil.example submits with <form method=post>.
  auto form = round_trip(http_port,
                         "POST /api/v1/nodes/node-b/pull HTTP/1.1\r\nHost: " + host_of(http_port) +
                             "\r\nOrigin: http://evil.example\r\n"
                             "Content-Type: application/x-www-form-urlencoded\r\n"
                             "Content-Length: 3\r\nConnection: close\r\n\r\na=1");
  BOOST_TEST(status_of(form) == 403, form);
  BOOST_TEST(form.find("X-Peranda-Request") != std::string::npos);
  // Its preflight, were it a script, gets no CORS grant.
  auto preflight = round_trip(
      http_port, "OPTIONS /api/v1/nodes/node-b/pull HTTP/1.1\r\nHost: " + host_of(http_port) +
                     "\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n"
                     "Access-Control-Request-Headers: x-peranda-request\r\n\r\n");
  BOOST_TEST(status_of(preflight) == 405, preflight);
  BOOST_TEST(preflight.find("Access-Control-Allow") == std::string::npos, preflight);
  BOOST_TEST(refused(http_port, "missing_request_header") == 1);
  BOOST_TEST(refused(http_port, "method_not_allowed") == 1);
  BOOST_TEST(node_b_pulls(http_port).first == before);

  // peranda-ctl without a token (it sends the header) still pulls node-b.
  auto ctl = run_ctl(dir.path(), {"-m", "http://" + host_of(http_port), "pull", "node-b"});
  BOOST_TEST(ctl.status == 0, ctl.output);
  BOOST_TEST(wait_until([&] {
    auto [n, finished] = node_b_pulls(http_port);
    return n == before + 1 && finished;
  }));
  BOOST_TEST(node_state("node-b") == "online");
}

BOOST_AUTO_TEST_CASE(a_rebound_host_name_reads_nothing) {
  for (auto path : {"/api/v1/nodes", "/api/v1/alarms", "/metrics", "/healthz"}) {
    auto r = round_trip(http_port, std::string("GET ") + path + " HTTP/1.1\r\nHost: evil.example:" +
                                       std::to_string(http_port) + "\r\n\r\n");
    BOOST_TEST(status_of(r) == 421, path << ": " << r);
    BOOST_TEST(r.find("node-b") == std::string::npos);
    BOOST_TEST(r.find("http_allowed_hosts") != std::string::npos);
  }
  auto bare = round_trip(http_port, "GET /api/v1/nodes HTTP/1.0\r\n\r\n");  // no Host at all
  BOOST_TEST(status_of(bare) == 421, bare);
  auto twice = round_trip(http_port, "GET /api/v1/nodes HTTP/1.1\r\nHost: " + host_of(http_port) +
                                         "\r\nHost: evil.example\r\n\r\n");
  BOOST_TEST(status_of(twice) == 421, twice);
  BOOST_TEST(refused(http_port, "host_not_allowed") == 6);
  auto local = round_trip(http_port, "GET /api/v1/nodes HTTP/1.1\r\nHost: localhost:" +
                                         std::to_string(http_port) + "\r\n\r\n");
  BOOST_TEST(status_of(local) == 200, local);
  BOOST_TEST(local.find("node-b") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_gzip_bomb_is_refused_before_anything_is_inflated) {
  auto rss_before = master_rss_kib();
  // 300 MiB of zeros, gzip-encoded by cpp-httplib's own client (~300 KB).
  httplib::Client c("127.0.0.1", http_port);
  c.set_compress(true);
  c.set_read_timeout(k_deadline);
  c.set_write_timeout(k_deadline);
  auto res = c.Post("/api/v1/nodes/node-b/pull", {{"X-Peranda-Request", "1"}},
                    std::string(300u << 20, '\0'), "application/json");
  // The answer may be lost when the server closes on the unread rest.
  if (res) BOOST_TEST(res->status == 415, res->body);
  BOOST_TEST(wait_until([&] { return refused(http_port, "content_encoding") == 1; }));
  // Only the head is read when the guard refuses; the raw form shows it.
  raw_connection raw(http_port);
  BOOST_REQUIRE(raw.send("POST /api/v1/nodes/node-b/pull HTTP/1.1\r\nHost: " + host_of(http_port) +
                         "\r\nX-Peranda-Request: 1\r\nContent-Encoding: gzip\r\n"
                         "Content-Length: 1300000\r\n\r\n"));
  auto r = raw.read_all();
  BOOST_TEST(status_of(r) == 415, r);
  BOOST_TEST(refused(http_port, "content_encoding") == 2);
  BOOST_TEST(master_rss_kib() < rss_before + rss_bound_kib(64),
             "master RSS " << master_rss_kib());
  BOOST_TEST(master_rss_kib() < rss_bound_kib(200));
  // A plain body over the limit is refused as well.
  auto big = round_trip(http_port,
                        "POST /api/v1/nodes/node-b/pull HTTP/1.1\r\nHost: " + host_of(http_port) +
                            "\r\nX-Peranda-Request: 1\r\nContent-Length: 1000000\r\n\r\n");
  BOOST_TEST(status_of(big) == 413, big);
  BOOST_TEST(node_state("node-b") == "online");
}

BOOST_AUTO_TEST_CASE(slow_connections_do_not_starve_healthz) {
  // 12 connections that send part of a head and then nothing, and 12 that
  // trickle a byte every 100 ms (never idle long enough for a read timeout):
  // more than the server has workers.
  const std::string head =
      "GET /api/v1/nodes HTTP/1.1\r\nHost: " + host_of(http_port) + "\r\nX-Slow: ";
  std::vector<std::unique_ptr<raw_connection>> silent;
  std::vector<std::unique_ptr<raw_connection>> tricklers;
  for (int i = 0; i < 12; ++i) {
    silent.push_back(std::make_unique<raw_connection>(http_port));
    BOOST_REQUIRE(silent.back()->send(head));
    tricklers.push_back(std::make_unique<raw_connection>(http_port));
    BOOST_REQUIRE(tricklers.back()->send(head));
  }
  std::atomic<int> still_open{static_cast<int>(tricklers.size())};
  std::jthread trickle([&](std::stop_token stop) {
    std::vector<bool> open(tricklers.size(), true);
    while (!stop.stop_requested() && still_open > 0) {
      for (std::size_t i = 0; i < tricklers.size(); ++i) {
        if (open[i] && (tricklers[i]->closed_by_server() || !tricklers[i]->send("a"))) {
          open[i] = false;
          --still_open;
        }
      }
      // The attack's own pace (a byte per 100 ms per connection), not a wait.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  httplib::Client c("127.0.0.1", http_port);
  c.set_connection_timeout(k_deadline);
  c.set_read_timeout(k_deadline);
  auto asked = std::chrono::steady_clock::now();
  auto health = c.Get("/healthz");
  BOOST_TEST_MESSAGE("/healthz answered after "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - asked)
                            .count()
                     << " ms with 24 slow connections open");
  BOOST_REQUIRE(health);
  BOOST_TEST(health->status == 200);
  // The server, not the clients, ends the slow ones: the deadline covers the
  // whole head, so trickling does not extend it.
  BOOST_TEST(wait_until([&] { return still_open == 0; }));
  BOOST_TEST(wait_until(
      [&] { return std::ranges::all_of(silent, [](auto& s) { return s->closed_by_server(); }); }));
  BOOST_TEST(wait_until([&] { return refused(http_port, "request_timeout") >= 24; }),
             test::metric(http_port, "peranda_http_refused_total{reason=\"request_timeout\"}"));
  BOOST_TEST(node_state("node-b") == "online");
  BOOST_TEST(master_rss_kib() < rss_bound_kib(200));
}

BOOST_AUTO_TEST_CASE(unsafe_listen_addresses_and_token_files_stop_the_start) {
  // A free port each, so that a master wrongly accepting one never binds a
  // port another test uses.
  auto port = std::to_string(free_port());
  for (auto host : {"127.attacker.example:", "localhost.evil:", "127.1:"}) {
    auto listen = host + port;
    auto r = run_master(dir.path(), fmt::format("http_listen = \"{}\"", listen));
    BOOST_TEST(r.status == 2, listen << ": " << r.output);
    BOOST_TEST(r.output.find(listen) != std::string::npos, r.output);
  }
  auto off = run_master(dir.path(), "http_listen = \"0.0.0.0:" + port + "\"");
  BOOST_TEST(off.status == 2);
  BOOST_TEST(off.output.find("requires http_token_file") != std::string::npos, off.output);

  auto token = dir / "api.token";
  std::ofstream(token) << "0123456789abcdef-secret\n";
  namespace fs = std::filesystem;
  fs::permissions(token, fs::perms::owner_read | fs::perms::owner_write);
  auto link = dir / "api.token.link";
  fs::create_symlink(token, link);
  auto listen = "http_listen = \"127.0.0.1:" + port + "\"\n";
  auto symlinked = run_master(dir.path(), listen + "http_token_file = \"" + link.string() + "\"");
  BOOST_TEST(symlinked.status == 2);
  BOOST_TEST(
      symlinked.output.find("'" + link.string() + "' is a symbolic link") != std::string::npos,
      symlinked.output);
  fs::permissions(token, fs::perms::group_write, fs::perm_options::add);
  auto writable = run_master(dir.path(), listen + "http_token_file = \"" + token.string() + "\"");
  BOOST_TEST(writable.status == 2);
  BOOST_TEST(writable.output.find("'" + token.string() + "' is writable by group or others") !=
                 std::string::npos,
             writable.output);
  BOOST_TEST(node_state("node-b") == "online");
}

BOOST_AUTO_TEST_SUITE_END()

// With a token the bearer replaces the request header, the Host allow-list
// still applies, and peranda-ctl reads the token from the master's config.
BOOST_AUTO_TEST_CASE(with_a_token_ctl_works_and_strangers_do_not) {
  master_fixture m("", "1h", "0123456789abcdef-secret");
  auto port = m.http_port();
  const std::string bearer = "Authorization: Bearer 0123456789abcdef-secret\r\n";
  auto no_token =
      round_trip(port, "POST /api/v1/nodes/node-x/pull HTTP/1.1\r\nHost: " + host_of(port) +
                           "\r\nX-Peranda-Request: 1\r\nContent-Length: 0\r\n\r\n");
  BOOST_TEST(status_of(no_token) == 401, no_token);
  auto rebound =
      round_trip(port, "GET /api/v1/nodes HTTP/1.1\r\nHost: evil.example\r\n" + bearer + "\r\n");
  BOOST_TEST(status_of(rebound) == 421, rebound);
  auto with_token =
      round_trip(port, "POST /api/v1/nodes/node-x/pull HTTP/1.1\r\nHost: " + host_of(port) +
                           "\r\n" + bearer + "Content-Length: 0\r\n\r\n");
  BOOST_TEST(status_of(with_token) == 404, with_token);  // served: the node is unknown
  auto ctl = run_ctl(m.dir(), {"-c", m.config().string(), "nodes"});
  BOOST_TEST(ctl.status == 0, ctl.output);
  BOOST_TEST(ctl.output.find("NODE") != std::string::npos, ctl.output);
  auto pull = run_ctl(m.dir(), {"-c", m.config().string(), "pull", "node-x"});
  BOOST_TEST(pull.status == 1);
  BOOST_TEST(pull.output.find("no such node") != std::string::npos, pull.output);
  // Only the request without the token was refused; ctl's were not.
  BOOST_TEST(m.metric("peranda_http_refused_total{reason=\"bad_token\"}") == 1);
}

}  // namespace peranda::test
