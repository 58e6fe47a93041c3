// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE agent_alarm_test
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

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

namespace {

// A master over whose rate limit the agent is: it refuses every alarm the
// first time it sees its id (ack with `refused` and `retry_after_ms`) and
// confirms it the next time, recording when each id came.
class refusing_master {
 public:
  // Longer than the rig's alarm_resend_after (2s), so a resend by the timer shows.
  static constexpr std::chrono::milliseconds k_retry_after{4000};

  explicit refusing_master(const std::string& url)
      : rec_(url, "refusing-master", {"peranda/v1/nodes/+/alarm"},
             [this](const mqtt_session::message& m) { answer(m); }) {
    protocol::master_status online{k_id, protocol::node_state::online, 1, "test", 0, 0};
    BOOST_REQUIRE(rec_.session()
                      .publish({topics_.master_status(k_id), protocol::encode(online), 1, true})
                      .has_value());
  }

  struct sighting {
    std::chrono::steady_clock::time_point refused_at{};
    std::chrono::steady_clock::time_point again_at{};
    bool confirmed = false;
  };
  std::map<std::string, sighting> sightings() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  static constexpr const char* k_id = "test-master";

  void answer(const mqtt_session::message& m) {
    auto a = protocol::decode_alarm(m.payload);
    if (!a) return;
    protocol::alarm_ack ack{k_id, {}, {}, 0};
    {
      std::lock_guard lock(mu_);
      auto [it, first] = seen_.try_emplace(a->id);
      auto now = std::chrono::steady_clock::now();
      if (first) {
        it->second.refused_at = now;
        ack.refused = {a->id};
        ack.retry_after_ms = static_cast<std::uint64_t>(k_retry_after.count());
      } else {
        if (!it->second.confirmed) it->second.again_at = now;
        it->second.confirmed = true;
        ack.ids = {a->id};
      }
    }
    (void)rec_.session().publish({topics_.alarm_ack(a->node), protocol::encode(ack), 1, false});
  }

  protocol::topic_scheme topics_;
  mutable std::mutex mu_;
  std::map<std::string, sighting> seen_;
  recorder rec_;
};

}  // namespace

// Refused alarms stay in the outbox, are held for retry_after_ms and then
// sent again until confirmed; the agent counts the refusals.
BOOST_AUTO_TEST_CASE(refused_alarms_are_held_back_and_sent_again) {
  temp_dir logs;
  auto app = logs / "app.log";
  append_line(app, "start");
  agent_rig rig(file_source(app) + "[[rule]]\nname = \"fail\"\npattern = 'FAIL'\n");
  recorder watcher(rig.b.url(), "watcher", {"peranda/v1/nodes/+/heartbeat"});
  refusing_master master(rig.b.url());
  rig.start_agent("starting;", 1);
  auto all_confirmed = [&](std::size_t n) {
    auto s = master.sightings();
    return s.size() == n && std::ranges::all_of(s, [](auto& kv) { return kv.second.confirmed; });
  };
  // A warm-up alarm: once its confirmation is in, the agent has also seen
  // the master come online (which alone sends unconfirmed alarms again).
  append_line(app, "FAIL warm-up");
  BOOST_REQUIRE(wait_until([&] { return all_confirmed(1) && rig.outbox_size() == 0; }));
  auto warm_up = master.sightings().begin()->first;
  for (int i = 0; i < 5; ++i) append_line(app, fmt::format("FAIL {}", i));
  BOOST_REQUIRE(wait_until([&] { return all_confirmed(6); }));
  BOOST_REQUIRE(wait_until([&] { return rig.outbox_size() == 0; }));
  // Not one was sent again before its hold ended (a lower bound only).
  for (const auto& [id, s] : master.sightings()) {
    if (id == warm_up) continue;
    BOOST_TEST(
        (s.again_at - s.refused_at >= refusing_master::k_retry_after),
        id << " again after "
           << std::chrono::duration_cast<std::chrono::milliseconds>(s.again_at - s.refused_at)
                  .count()
           << " ms");
  }
  BOOST_TEST(wait_until([&] {
    auto hb = watcher.last_heartbeat();
    return hb && hb->counters["alarms_refused"] >= 6 && hb->counters["alarms_confirmed"] == 6;
  }),
             [&] {
               auto hb = watcher.last_heartbeat();
               return hb ? nlohmann::json(hb->counters).dump() : std::string("no heartbeat");
             }());
}
