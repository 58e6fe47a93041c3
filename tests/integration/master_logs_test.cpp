// SPDX-License-Identifier: Apache-2.0
// Logs on demand: a real agent's lines, pulled by a real master, read back
// through GET /api/v1/nodes/{node}/logs (since/until/grep/tail/follow, its
// limits) and peranda-ctl logs; the status page's files are served without
// the token while the API keeps requiring it.
#define BOOST_TEST_MODULE master_logs
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include "core/util/clock.hpp"
#include "tests/integration/master_fixture.hpp"
#include "tests/support/programs.hpp"

using namespace peranda::test;

namespace {

constexpr const char* k_node = "logs-node";

struct fleet {
  master_fixture master;
  std::filesystem::path app_log = master.dir() / "app.log";
  std::unique_ptr<child_process> agent;

  fleet() {
    std::ofstream(app_log).close();
    agent = start_agent({master.mqtt().url(), master.dir() / "agent"}, k_node,
                        "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" +
                            app_log.string() + "\"\nfrom_beginning = true\n");
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return master.node_state(k_node) == "online"; }),
                          agent->log());
  }

  void write(const std::string& line) { std::ofstream(app_log, std::ios::app) << line << "\n"; }

  // Pulls until `text` is in a stored file (the agent may not have read
  // the line yet at the first pull).
  bool pull_until_stored(const std::string& text) {
    return wait_until([&] {
      auto id = master.pull(k_node);
      if (id.empty() || !wait_until([&] { return master.pull_finished(id); })) return false;
      for (const auto& f : stored_files(master.data_dir())) {
        if (read_all(f).find(text) != std::string::npos) return true;
      }
      return false;
    });
  }

  std::pair<int, std::string> logs(const std::string& query) {
    auto c = master.client();
    auto res = c.Get("/api/v1/nodes/" + std::string(k_node) + "/logs" + query);
    return res ? std::pair{res->status, res->body} : std::pair{0, std::string()};
  }
};

int ctl(const master_fixture& m, std::vector<std::string> args, std::string& output) {
  static int runs = 0;
  auto log = m.dir() / ("ctl-logs-" + std::to_string(++runs) + ".log");
  std::vector<std::string> argv{program("peranda-ctl"), "-m", m.api_url()};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, log);
  auto status = p.wait_exit(std::chrono::seconds(120));
  output = p.log();
  return status;
}

}  // namespace

BOOST_AUTO_TEST_CASE(logs_select_by_time_grep_and_tail_in_order) {
  fleet f;
  f.write("alpha first line");
  f.write("beta ERROR second line");
  f.write("gamma third line");
  BOOST_REQUIRE(f.pull_until_stored("gamma third line"));

  auto [status, all] = f.logs("");
  BOOST_TEST(status == 200);
  auto a = all.find("alpha first line");
  auto b = all.find("beta ERROR second line");
  auto g = all.find("gamma third line");
  BOOST_TEST_REQUIRE((a != std::string::npos && b != std::string::npos && g != std::string::npos),
                     all);
  BOOST_TEST((a < b && b < g), "lines out of order:\n" << all);
  // Every line is a spool record: "<UTC time> <source> <text>".
  BOOST_TEST(all.find(" app alpha first line\n") != std::string::npos, all);

  auto [gs, grepped] = f.logs("?grep=ERROR%7Cnothing");
  BOOST_TEST(gs == 200);
  BOOST_TEST(grepped.find("beta ERROR second line") != std::string::npos, grepped);
  BOOST_TEST(grepped.find("alpha") == std::string::npos, grepped);
  BOOST_TEST(grepped.find("gamma") == std::string::npos, grepped);

  auto now = peranda::wall_clock_ms();
  auto future = f.logs("?since=" + std::to_string(now + 3'600'000));
  BOOST_TEST(future.first == 200);
  BOOST_TEST(future.second.empty(), future.second);
  auto past = f.logs("?until=" + std::to_string(now - 3'600'000));
  BOOST_TEST(past.first == 200);
  BOOST_TEST(past.second.empty(), past.second);
  auto window = f.logs("?since=" + std::to_string(now - 3'600'000) +
                       "&until=" + std::to_string(now + 3'600'000) + "&grep=gamma");
  BOOST_TEST(window.second.find("gamma third line") != std::string::npos, window.second);

  auto tail = f.logs("?tail=1&grep=line");
  BOOST_TEST(tail.first == 200);
  BOOST_TEST(tail.second.find("gamma third line") != std::string::npos, tail.second);
  BOOST_TEST(tail.second.find("beta") == std::string::npos, tail.second);

  // Bad input: 400 naming the parameter; nothing streamed.
  for (const auto* bad : {"?grep=%28unclosed", "?since=yesterday", "?until=-5", "?tail=0",
                          "?tail=10001", "?follow=2", "?follow=1&until=5", "?since=10&until=5"}) {
    auto r = f.logs(bad);
    BOOST_TEST(r.first == 400, bad << " -> " << r.first << " " << r.second);
  }
  auto long_grep = f.logs("?grep=" + std::string(600, 'a'));
  BOOST_TEST(long_grep.first == 400);
  BOOST_TEST(long_grep.second.find("grep") != std::string::npos, long_grep.second);
  auto bad_re = f.logs("?grep=%28unclosed");
  BOOST_TEST(bad_re.second.find("RE2") != std::string::npos, bad_re.second);

  auto c = f.master.client();
  auto unknown = c.Get("/api/v1/nodes/nobody/logs");
  BOOST_TEST((unknown && unknown->status == 404));
  auto invalid = c.Get("/api/v1/nodes/bad%20id/logs");
  BOOST_TEST((invalid && invalid->status == 400));

  auto files = f.master.get(std::string("/api/v1/nodes/") + k_node + "/files");
  BOOST_TEST_REQUIRE(files.is_object());
  BOOST_TEST(files["files"].size() >= 1u);
  BOOST_TEST(files["files"][0].value("name", "").starts_with("spool-"), files.dump());

  std::string out;
  BOOST_TEST(ctl(f.master, {"logs", k_node, "--since", "1h", "--grep", "ERROR"}, out) == 0, out);
  BOOST_TEST(out.find("beta ERROR second line") != std::string::npos, out);
  BOOST_TEST(out.find("alpha") == std::string::npos, out);
  BOOST_TEST(ctl(f.master, {"logs", k_node, "--grep", "("}, out) == 1, out);
  BOOST_TEST(out.find("RE2") != std::string::npos, out);

  // --fresh pulls first: a line written now is printed without another pull.
  f.write("delta fresh line");
  BOOST_REQUIRE(wait_until([&] {
    return ctl(f.master, {"logs", k_node, "--fresh", "--grep", "delta"}, out) == 0 &&
           out.find("delta fresh line") != std::string::npos;
  }));
  // Not a terminal: the pull's progress comes as plain lines (no bar).
  BOOST_TEST(out.find("pull p") != std::string::npos, out);
  BOOST_TEST(out.find(" bytes, ") != std::string::npos, out);
  BOOST_TEST(out.find('\r') == std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(follow_streams_new_pulls_and_followers_are_bounded) {
  fleet f;
  f.write("before follow");
  BOOST_REQUIRE(f.pull_until_stored("before follow"));

  std::mutex mu;
  std::string got;
  std::atomic<bool> stop{false};
  std::jthread follower([&] {
    auto c = f.master.client();
    c.set_read_timeout(300);
    c.Get(std::string("/api/v1/nodes/") + k_node + "/logs?follow=1&grep=follow",
          [&](const char* data, std::size_t n) {
            std::lock_guard lock(mu);
            got.append(data, n);
            return !stop.load();
          });
  });
  auto has = [&](const std::string& text) {
    std::lock_guard lock(mu);
    return got.find(text) != std::string::npos;
  };
  BOOST_REQUIRE(wait_until([&] { return has("before follow"); }));
  f.write("after follow started");
  BOOST_REQUIRE(f.pull_until_stored("after follow started"));
  BOOST_TEST(wait_until([&] { return has("after follow started"); }), got);

  // Three more streams fill the bound of 4; a fifth is refused and counted.
  std::vector<std::jthread> more;
  std::atomic<int> open{0};
  for (int i = 0; i < 3; ++i) {
    more.emplace_back([&] {
      auto c = f.master.client();
      c.set_read_timeout(300);
      c.Get(std::string("/api/v1/nodes/") + k_node + "/logs?follow=1",
            [&](const char*, std::size_t) {
              ++open;
              return !stop.load();
            });
    });
  }
  BOOST_REQUIRE(wait_until([&] { return open.load() >= 3; }));
  auto refused = f.logs("?follow=1");
  BOOST_TEST(refused.first == 503, refused.second);
  BOOST_TEST(f.master.metric("peranda_http_refused_total{reason=\"too_many_log_streams\"}") >= 1);

  // Clients that leave give their slots back (seen at the next poll).
  stop = true;
  f.write("wake the followers follow");
  BOOST_REQUIRE(f.pull_until_stored("wake the followers follow"));
  follower.join();
  for (auto& t : more) t.join();
  BOOST_TEST(wait_until([&] { return f.logs("?tail=1").first == 200; }));
}

BOOST_AUTO_TEST_CASE(status_page_is_served_without_the_token_and_the_api_still_needs_it) {
  master_fixture m("", "1h", "0123456789abcdef-token");
  httplib::Client anon(m.api_url());
  auto page = anon.Get("/");
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST(page->status == 200);
  BOOST_TEST(page->body.find("<title>peranda fleet</title>") != std::string::npos);
  BOOST_TEST(page->get_header_value("Content-Security-Policy").find("script-src 'self'") !=
             std::string::npos);
  auto js = anon.Get("/ui/app.js");
  BOOST_TEST((js && js->status == 200 &&
              js->get_header_value("Content-Type").starts_with("text/javascript")));
  auto missing = anon.Get("/ui/nothing.js");
  BOOST_TEST((missing && missing->status == 404));
  auto logs = anon.Get("/api/v1/nodes/any/logs");
  BOOST_TEST((logs && logs->status == 401));
  auto files = anon.Get("/api/v1/nodes/any/files");
  BOOST_TEST((files && files->status == 401));
  // The Host allow-list covers the page too (DNS rebinding).
  auto rebound = anon.Get("/", {{"Host", "evil.example:80"}});
  BOOST_TEST((rebound && rebound->status == 421));
  auto with_token = m.client().Get("/api/v1/nodes/any/logs");
  BOOST_TEST((with_token && with_token->status == 404));
}
