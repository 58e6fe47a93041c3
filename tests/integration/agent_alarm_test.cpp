// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE agent_alarm_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/agent_fixture.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

std::string file_source(const std::filesystem::path& path) {
  return "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + path.string() +
         "\"\nfrom_beginning = true\n";
}

std::vector<protocol::alarm> of_rule(const recorder& r, const std::string& rule) {
  std::vector<protocol::alarm> out;
  for (auto& a : r.alarms()) {
    if (a.rule == rule) out.push_back(a);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_tailed_line_raises_an_alarm_threshold_and_cooldown) {
  temp_dir logs;
  auto app = logs / "app.log";
  append_line(app, "booting");
  agent_rig rig(file_source(app) +
                "[[rule]]\nname = \"oom\"\npattern = 'Out of memory'\nseverity = \"critical\"\n"
                "[[rule]]\nname = \"burst\"\npattern = 'E-BURST'\nthreshold = 3\nwithin = \"1h\"\n"
                "[[rule]]\nname = \"marker\"\npattern = 'MARKER'\nseverity = \"info\"\n"
                "[[rule]]\nname = \"flap\"\npattern = 'FLAP'\ncooldown = \"1s\"\n");
  recorder watcher(rig.b.url(), "watcher", {"peranda/v1/nodes/+/alarm"});
  rig.start_agent("starting;", 1);

  // One line, one alarm, seen by a plain subscriber.
  append_line(app, "kernel: Out of memory: Killed process 42");
  BOOST_REQUIRE(wait_until([&] { return of_rule(watcher, "oom").size() == 1; }));
  auto oom = of_rule(watcher, "oom").front();
  BOOST_TEST(oom.node == k_node);
  BOOST_TEST(oom.source == "app");
  BOOST_TEST(oom.line == "kernel: Out of memory: Killed process 42");
  BOOST_TEST(oom.offset == 8u);  // after "booting\n"
  BOOST_TEST((oom.level == protocol::severity::critical));

  // Threshold: two matches are not enough (a later marker alarm proves the
  // agent has read past them), the third raises exactly one alarm.
  append_line(app, "E-BURST 1");
  append_line(app, "E-BURST 2");
  append_line(app, "MARKER 1");
  BOOST_REQUIRE(wait_until([&] { return of_rule(watcher, "marker").size() == 1; }));
  BOOST_TEST(of_rule(watcher, "burst").empty());
  append_line(app, "E-BURST 3");
  append_line(app, "MARKER 2");
  BOOST_REQUIRE(wait_until([&] { return of_rule(watcher, "marker").size() == 2; }));
  BOOST_REQUIRE_EQUAL(of_rule(watcher, "burst").size(), 1u);
  BOOST_TEST(of_rule(watcher, "burst").front().line == "E-BURST 3");

  // Cooldown: keep writing FLAP lines (one per check) until a second alarm
  // comes; it counts exactly the lines between the two alarms.
  const std::string flap = "FLAP ";  // + 6 digits: every line is 12 bytes long
  int written = 0;
  std::uint64_t flap_start = 0;
  {
    std::error_code ec;
    flap_start = std::filesystem::file_size(app, ec);
  }
  BOOST_REQUIRE(wait_until([&] {
    append_line(app, flap + fmt::format("{:06}", written++));
    return of_rule(watcher, "flap").size() >= 2;
  }));
  auto flaps = of_rule(watcher, "flap");
  auto index = [&](const protocol::alarm& a) { return (a.offset - flap_start) / 12; };
  BOOST_TEST(flaps[0].suppressed == 0u);
  BOOST_TEST(index(flaps[0]) == 0u);
  BOOST_TEST(flaps[1].suppressed == index(flaps[1]) - index(flaps[0]) - 1);
  BOOST_TEST(flaps[1].suppressed > 0u);

  // Every alarm had its own id.
  BOOST_TEST(watcher.unique_alarms().size() == watcher.alarms().size());
}

BOOST_AUTO_TEST_CASE(alarms_survive_a_broker_outage_and_an_agent_crash) {
  temp_dir logs;
  auto app = logs / "app.log";
  append_line(app, "start");
  agent_rig rig(file_source(app) + "[[rule]]\nname = \"fail\"\npattern = 'FAIL'\n");
  auto watcher = std::make_unique<recorder>(
      rig.b.url(), "watcher",
      std::vector<std::string>{"peranda/v1/nodes/+/alarm", "peranda/v1/nodes/+/heartbeat"});
  rig.start_agent("starting;", 1);
  append_line(app, "FAIL warm-up");
  BOOST_REQUIRE(wait_until([&] { return watcher->unique_alarms().size() == 1; }));

  // The broker's PUBACK is not enough: with no master to confirm it, the
  // alarm stays in the outbox.
  auto counter = [&](const char* name) {
    auto hb = watcher->last_heartbeat();
    return hb ? hb->counters[name] : 0;
  };
  BOOST_REQUIRE(wait_until([&] { return counter("alarms_sent") == 1; }));
  BOOST_TEST(rig.outbox_size() == 1u);
  BOOST_TEST(counter("alarms_confirmed") == 0u);

  // A master coming online gets it again and confirms it.
  confirming_master master(rig.b.url());
  BOOST_REQUIRE(wait_until([&] { return rig.outbox_size() == 0; }));
  BOOST_REQUIRE(wait_until([&] { return counter("alarms_confirmed") == 1; }));
  BOOST_TEST(watcher->unique_alarms().size() == 1u);

  // Broker down: the alarms wait in the outbox, then all arrive.
  rig.b.stop();
  for (int i = 0; i < 5; ++i) append_line(app, fmt::format("FAIL outage {}", i));
  BOOST_REQUIRE(wait_until([&] { return rig.outbox_size() == 5; }));
  rig.b.start();
  BOOST_REQUIRE(wait_until([&] { return watcher->unique_alarms().size() == 6; }));
  BOOST_REQUIRE(wait_until([&] { return rig.outbox_size() == 0; }));

  // Broker down again, alarms raised, then the agent is killed (-9) before
  // it could send them; two more lines arrive while it is dead.
  rig.b.stop();
  for (int i = 0; i < 5; ++i) append_line(app, fmt::format("FAIL crash {}", i));
  BOOST_REQUIRE(wait_until([&] { return rig.outbox_size() == 5; }));
  rig.agent->kill9();
  append_line(app, "FAIL while down 0");
  append_line(app, "FAIL while down 1");
  rig.b.start();
  rig.start_agent("starting;", 2);
  BOOST_REQUIRE(wait_until([&] { return watcher->unique_alarms().size() == 13; }));
  BOOST_REQUIRE(wait_until([&] { return rig.outbox_size() == 0; }));

  // Each line alarmed exactly once (no line read twice after the restart),
  // and a de-duplicating receiver saw each alarm once.
  std::multiset<std::string> lines;
  for (const auto& [id, a] : watcher->unique_alarms()) lines.insert(a.line);
  BOOST_TEST(lines.size() == 13u);
  BOOST_TEST(std::set<std::string>(lines.begin(), lines.end()).size() == 13u);
  BOOST_TEST(lines.count("FAIL while down 1") == 1u);
  BOOST_TEST(lines.count("FAIL crash 4") == 1u);
  BOOST_TEST(lines.count("FAIL outage 0") == 1u);
}
