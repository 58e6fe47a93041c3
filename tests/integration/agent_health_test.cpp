// SPDX-License-Identifier: Apache-2.0
// The agent reports its own health in its heartbeat: an alarm left
// unconfirmed longer than health_alarm_wait makes it `degraded`
// (alarms_waiting) until a master confirms it; `peranda-ctl nodes --watch`
// on a terminal redraws in place.
#define BOOST_TEST_MODULE agent_health_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/agent_fixture.hpp"
#include "tests/integration/master_fixture.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

bool health_has(const recorder& r, const std::string& code) {
  auto hb = r.last_heartbeat();
  if (!hb || !hb->health) return false;
  for (const auto& reason : *hb->health) {
    if (reason.code == code) return true;
  }
  return false;
}

bool health_ok(const recorder& r) {
  auto hb = r.last_heartbeat();
  return hb && hb->health && hb->health->empty();
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_unconfirmed_alarm_degrades_the_agent_until_a_master_confirms_it) {
  temp_dir logs;
  auto app = logs / "app.log";
  append_line(app, "start");
  agent_rig rig("[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + app.string() +
                    "\"\nfrom_beginning = true\n[[rule]]\nname = \"fail\"\npattern = 'FAIL'\n",
                "health_alarm_wait = \"1s\"\n");
  recorder watcher(rig.b.url(), "watcher",
                   {"peranda/v1/nodes/+/alarm", "peranda/v1/nodes/+/heartbeat"});
  rig.start_agent("starting;", 1);
  BOOST_REQUIRE(wait_until([&] { return health_ok(watcher); }));
  append_line(app, "FAIL once");
  // No master online: the alarm waits in the outbox.
  BOOST_REQUIRE(wait_until([&] { return health_has(watcher, "alarms_waiting"); }));
  auto hb = watcher.last_heartbeat();
  BOOST_TEST(hb->health->front().text.find("outbox") != std::string::npos);
  confirming_master master(rig.b.url());
  BOOST_TEST(wait_until([&] { return rig.outbox_size() == 0 && health_ok(watcher); }));
}

BOOST_AUTO_TEST_CASE(nodes_watch_on_a_terminal_redraws_in_place) {
  master_fixture m;
  // script(1) gives peranda-ctl a pseudo-terminal as its stdout.
  child_process watch(
      {"/usr/bin/script", "-qfec",
       program("peranda-ctl") + " -c " + m.config().string() + " nodes --watch --interval 100ms",
       "/dev/null"},
      m.dir() / "watch.log");
  BOOST_TEST(wait_until([&] {
    auto text = watch.log();
    std::size_t n = 0;
    for (auto at = text.find("\033[H\033[2J"); at != std::string::npos;
         at = text.find("\033[H\033[2J", at + 1)) {
      ++n;
    }
    return n >= 3 && text.find("HEALTH") != std::string::npos;
  }));
  watch.stop();
}
