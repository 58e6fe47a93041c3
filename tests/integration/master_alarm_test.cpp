// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE master_alarm_test
#include <boost/test/unit_test.hpp>

#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/fs/durable_file.hpp"
#include "tests/integration/master_fixture.hpp"
#include "tests/integration/master_test_agent.hpp"
#include "tests/support/message_inbox.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

void send_alarm(test_agent& agent, const std::string& id) {
  agent.send_alarm(agent.alarm(id, "Out of memory: killed process " + id));
}

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(alarms_are_journaled_once_also_across_a_restart_and_passed_to_the_hook) {
  temp_dir hook_dir;
  auto hook_out = hook_dir / "hook.out";
  master_fixture m(
      fmt::format("alarm_hook = [\"/usr/bin/tee\", \"-a\", \"{}\"]", hook_out.string()));
  auto journal = m.data_dir() / "alarms.jsonl";
  test_agent agent(m.mqtt().url(), "node-al", "10.4.4.4");
  send_alarm(agent, "a1");
  send_alarm(agent, "a2");
  send_alarm(agent, "a1");  // a QoS-1 redelivery
  BOOST_REQUIRE(wait_until([&] { return m.metric("peranda_alarm_duplicates_total") == 1; }));
  BOOST_TEST(lines_of(journal).size() == 2u);
  BOOST_TEST(m.metric("peranda_alarms_total") == 2);
  auto listed = m.get("/api/v1/alarms");
  BOOST_REQUIRE(listed["alarms"].size() == 2u);
  BOOST_TEST(listed["alarms"][0]["id"] == "a1");
  BOOST_TEST(listed["alarms"][1]["id"] == "a2");
  BOOST_REQUIRE(wait_until([&] { return lines_of(hook_out).size() == 2; }));
  BOOST_TEST(m.metric("peranda_alarm_hooks_total{outcome=\"ok\"}") == 2);

  m.stop();
  m.start();
  send_alarm(agent, "a2");  // already journaled before the restart
  send_alarm(agent, "a3");
  BOOST_REQUIRE(wait_until([&] { return lines_of(journal).size() == 3; }));
  BOOST_REQUIRE(wait_until([&] { return m.metric("peranda_alarm_duplicates_total") == 1; }));
  BOOST_TEST(lines_of(journal).size() == 3u);
  auto since = listed["alarms"][1]["received"].get<std::uint64_t>() + 1;
  auto recent = m.get(fmt::format("/api/v1/alarms?since={}", since));
  BOOST_REQUIRE(recent["alarms"].size() == 1u);
  BOOST_TEST(recent["alarms"][0]["id"] == "a3");
}

BOOST_AUTO_TEST_CASE(follow_streams_new_alarms_as_they_arrive) {
  master_fixture m;
  test_agent agent(m.mqtt().url(), "node-f", "10.4.4.5");
  std::mutex mu;
  std::string streamed;
  std::atomic<bool> done{false};
  std::jthread follower([&] {
    httplib::Client c(m.api_url());
    c.set_read_timeout(120);
    c.Get("/api/v1/alarms?follow=1", [&](const char* data, std::size_t n) {
      std::lock_guard lock(mu);
      streamed.append(data, n);
      return !done.load();
    });
  });
  auto streamed_any = [&] {
    std::lock_guard lock(mu);
    return streamed.find("\"id\":\"f") != std::string::npos;
  };
  // Alarms keep coming until the stream has carried one (the follower may
  // connect after the first ones).
  int n = 0;
  BOOST_REQUIRE(wait_until([&] {
    send_alarm(agent, fmt::format("f{}", ++n));
    return streamed_any();
  }));
  {
    std::lock_guard lock(mu);
    auto line = streamed.substr(0, streamed.find('\n'));
    BOOST_TEST(nlohmann::json::parse(line)["node"] == "node-f");  // one JSON object per line
  }
  done = true;
  send_alarm(agent, "last");  // wakes the stream so the client can leave
}

// A hook that hangs is killed with everything it started.
BOOST_AUTO_TEST_CASE(a_hook_that_hangs_is_killed) {
  temp_dir scratch;
  auto pid_file = scratch / "child.pid";
  master_fixture m(fmt::format(
      "alarm_hook = [\"/bin/sh\", \"-c\", \"tail -f /dev/null & echo $! > {}; wait\"]\n"
      "alarm_hook_timeout = \"1s\"",
      pid_file.string()));
  test_agent agent(m.mqtt().url(), "node-hk", "10.4.4.6");
  send_alarm(agent, "h1");
  BOOST_TEST(wait_until(
      [&] { return m.metric("peranda_alarm_hooks_total{outcome=\"timed_out\"}") == 1; }));
  BOOST_TEST(m.running());
  auto text_of = [](const std::filesystem::path& p) { return read_file(p).value_or(""); };
  BOOST_REQUIRE(wait_until([&] { return !text_of(pid_file).empty(); }));
  auto child = std::stoi(text_of(pid_file));
  // Gone, or a zombie waiting for init to reap it.
  BOOST_TEST(wait_until([&] {
    auto stat = text_of(fmt::format("/proc/{}/stat", child));
    return stat.empty() || stat.find(") Z ") != std::string::npos;
  }));
}

// The schema bounds `line` in characters: 4096 two-byte characters (8 KiB of
// UTF-8) are a valid alarm. The master journals it (cut to alarm_max_bytes,
// counted) and confirms it, so the agent stops sending it; before, the
// decoder counted bytes and dropped it unanswered, and the agent resent it
// for ever.
BOOST_AUTO_TEST_CASE(a_line_of_4096_wide_characters_is_journaled_cut_and_confirmed) {
  master_fixture m;
  mqtt_session::options o;
  o.server_uri = m.mqtt().url();
  o.client_id = "node-wide-acks";
  o.clean_session = true;
  mqtt_session::session watcher(o);
  message_inbox acks;
  acks.subscribe(watcher, protocol::topic_scheme().alarm_ack("node-wide"));
  BOOST_REQUIRE(watcher.start());
  BOOST_REQUIRE(watcher.wait_connected(std::chrono::seconds(30)));
  test_agent agent(m.mqtt().url(), "node-wide", "10.4.4.5");

  std::string wide;
  for (std::size_t i = 0; i < protocol::alarm::k_max_line; ++i) wide += "\xc3\xa9";
  agent.send_alarm(agent.alarm("wide1", std::move(wide)));

  BOOST_TEST(wait_until([&] {
    auto msg = acks.pop_for(std::chrono::milliseconds(200));
    if (!msg) return false;
    auto ack = protocol::decode_alarm_ack(msg->payload);
    return ack && std::ranges::find(ack->ids, "wide1") != ack->ids.end();
  }));
  BOOST_TEST(m.metric("peranda_alarms_total") == 1);
  BOOST_TEST(m.metric("peranda_alarms_limited_total{reason=\"size\"}") == 1);
  auto journal = lines_of(m.data_dir() / "alarms.jsonl");
  BOOST_REQUIRE(journal.size() == 1u);
  auto line = nlohmann::json::parse(journal[0])["line"].get<std::string>();
  BOOST_TEST(line.ends_with(" [cut: 8192 bytes]"), line.substr(line.size() - 40));
}
