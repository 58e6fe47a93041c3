// SPDX-License-Identifier: Apache-2.0
// Issue 14, items 2 and 7 (alarms), played as node-a against the production
// broker, a real master and a real node-b agent:
// - squatting: node-a publishes, first, the very id node-b's next alarm will
//   carry; node-b's alarm is still journaled as node-b's and confirmed to it;
// - flood: node-a sends 5,000 large alarms at once; the master refuses what
//   is over node-a's rate (counted, told to node-a), the journal stays
//   bounded by rotation, node-b's alarm raised meanwhile is journaled and
//   its hook runs, and the master stays small;
// - a real agent over its rate loses nothing: what the master refuses stays
//   in its outbox and arrives later, paced.
#define BOOST_TEST_MODULE security_alarms
#include <fmt/format.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/fs/durable_file.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/protocol/topics.hpp"
#include "node-agent/alarms/alarm_ids.hpp"
#include "tests/security/attacked_fleet.hpp"
#include "tests/support/message_inbox.hpp"

namespace peranda::test {
namespace {

constexpr std::uint64_t k_journal_max = 256 * 1024;
constexpr unsigned k_journal_keep = 3;

// Files the fleet's configs name, made before the fleet starts.
struct alarm_files {
  temp_dir files;
  std::filesystem::path app_log = files / "app.log";
  std::filesystem::path hook_out = files / "hook.out";
  alarm_files() { std::ofstream(app_log) << "booting\n"; }
};

std::string master_extra(const alarm_files& f, unsigned burst) {
  return fmt::format(
      "alarm_rate = 20\nalarm_burst = {}\nalarm_journal_max_bytes = {}\n"
      "alarm_journal_keep = {}\nalarm_hook_concurrency = 1\n"
      "alarm_hook = [\"/bin/sh\", \"-c\", \"cat >> {}\"]\n",
      burst, k_journal_max, k_journal_keep, f.hook_out.string());
}

std::string source_and_rule(const std::filesystem::path& log) {
  return fmt::format(
      "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"{}\"\nfrom_beginning = true\n"
      "[[rule]]\nname = \"squat\"\npattern = 'SQUAT'\nseverity = \"critical\"\n",
      log.string());
}

// A master allowing each node 20 alarms a second and `burst` at once.
template <unsigned burst>
struct alarm_fleet : alarm_files, attacked_fleet {
  alarm_fleet() : attacked_fleet(master_extra(*this, burst), source_and_rule(app_log)) {}

  std::filesystem::path journal() const { return dir / "master" / "data" / "alarms.jsonl"; }
  std::filesystem::path node_b_spool() const { return dir / "node-b" / "spool"; }

  // The journal's alarms (the API's recent window), as JSON objects.
  std::vector<nlohmann::json> journaled() const {
    auto body = http_get_json(http_port, "/api/v1/alarms?since=0");
    std::vector<nlohmann::json> out;
    if (body.is_object()) {
      for (const auto& a : body["alarms"]) out.push_back(a);
    }
    return out;
  }
  std::vector<nlohmann::json> journaled_by(const std::string& node) const {
    auto all = journaled();
    std::erase_if(all, [&](const auto& a) { return a.value("node", "") != node; });
    return all;
  }

  // node-b's agent-reported counter from its record in the master's API.
  std::uint64_t node_b_counter(const std::string& name) const {
    auto n = find_node(http_port, "node-b");
    if (!n.is_object() || !n["counters"].contains(name)) return 0;
    return n["counters"][name].get<std::uint64_t>();
  }

  // node-a's own session (the attacker's), its alarm acks into `acks`.
  std::unique_ptr<mqtt_session::session> node_a_session(message_inbox& acks) const {
    auto opts = client("node-a", "node-a");
    opts.max_inflight = 512;
    opts.max_buffered = 8192;
    auto s = std::make_unique<mqtt_session::session>(opts);
    acks.subscribe(*s, protocol::topic_scheme().alarm_ack("node-a"));  // applied at connect
    BOOST_REQUIRE(s->start());
    BOOST_REQUIRE(s->wait_connected(k_deadline));
    return s;
  }

  std::uint64_t journal_bytes() const {
    std::uint64_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(journal().parent_path())) {
      if (e.path().filename().string().starts_with("alarms")) total += e.file_size();
    }
    return total;
  }
};

protocol::alarm node_a_alarm(std::string id, std::string line) {
  protocol::alarm a;
  a.id = std::move(id);
  a.node = "node-a";
  a.rule = "squat";
  a.level = protocol::severity::critical;
  a.source = "app";
  a.line = std::move(line);
  a.ts_ms = 1;
  return a;
}

void append_line(const std::filesystem::path& path, const std::string& line) {
  std::ofstream(path, std::ios::app) << line << '\n';
}

// The id node-b's agent will give the alarm of a line at `offset` of its
// `app` source. Only possible with node-b's secret key, read here from its
// spool: the test grants the attacker what it could once guess
// (`a<session>-<seq>`), to show that even a known id cannot be squatted.
std::string next_line_id(const std::filesystem::path& spool, std::uint64_t offset) {
  auto key = peranda::read_file(spool / "state" / "alarm-id.key");
  BOOST_REQUIRE(key.has_value());
  auto pos =
      nlohmann::json::parse(*peranda::read_file(spool / "state" / "positions" / "app.position"));
  auto origin =
      fmt::format("{}:{}:{}", pos["dev"].get<std::uint64_t>(), pos["ino"].get<std::uint64_t>(),
                  pos["generation"].get<std::uint64_t>());
  return agent::line_alarm_id(*key,
                              fmt::format("node-b\nsquat\napp\n{}\n{}\n{}", origin, offset, false));
}

}  // namespace

// Small bursts: refusals come early. A large one: a thousand of node-a's
// alarms reach the journal and the hook, whose backlog (64) node-a fills.
using strict_fleet = alarm_fleet<100>;
using loose_fleet = alarm_fleet<1000>;

BOOST_AUTO_TEST_SUITE(security_alarms)

BOOST_FIXTURE_TEST_CASE(an_alarm_id_published_first_by_node_a_is_still_node_bs, strict_fleet) {
  // node-b has read its file (the position is saved at its end).
  auto position = node_b_spool() / "state" / "positions" / "app.position";
  BOOST_REQUIRE(wait_until([&] {
    auto text = peranda::read_file(position);
    if (!text) return false;
    auto pos = nlohmann::json::parse(*text, nullptr, false);
    return pos.is_object() &&
           pos.value("offset", std::uint64_t{0}) == std::filesystem::file_size(app_log);
  }));
  auto offset = std::filesystem::file_size(app_log);
  auto id = next_line_id(node_b_spool(), offset);

  // node-a publishes it first, as its own alarm (the only topic it may use).
  message_inbox acks;
  auto a = node_a_session(acks);
  protocol::topic_scheme topics;
  BOOST_REQUIRE(
      a->publish({topics.alarm("node-a"), protocol::encode(node_a_alarm(id, "SQUAT")), 1, false}));
  BOOST_REQUIRE(wait_until([&] { return journaled_by("node-a").size() == 1; }));
  // Confirmed to node-a, which sent it.
  bool confirmed_to_a = wait_until([&] {
    auto msg = acks.pop_for(std::chrono::milliseconds(200));
    if (!msg) return false;
    auto ack = protocol::decode_alarm_ack(msg->payload);
    return ack && std::ranges::find(ack->ids, id) != ack->ids.end();
  });
  BOOST_TEST(confirmed_to_a);

  // node-b's line: its alarm carries the same id and is journaled as node-b's.
  append_line(app_log, "kernel: SQUAT detected");
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return journaled_by("node-b").size() == 1; }),
                        "node-b's alarm never journaled\nmaster:\n" + master->log());
  auto b_alarm = journaled_by("node-b").front();
  BOOST_REQUIRE_EQUAL(b_alarm["id"].get<std::string>(), id);  // the squatted id indeed
  BOOST_TEST(b_alarm["line"] == "kernel: SQUAT detected");
  BOOST_TEST(journaled_by("node-a").size() == 1u);
  // ... and confirmed to node-b: its outbox empties.
  BOOST_TEST(wait_until([&] {
    return node_b_counter("alarms_confirmed") == 1 && node_b_counter("alarms_pending") == 0;
  }));
  BOOST_TEST(metric("peranda_alarm_duplicates_total") == 0);
  BOOST_TEST(node_state("node-b") == "online");
  a->stop();
}

BOOST_FIXTURE_TEST_CASE(a_flood_from_node_a_is_refused_bounded_and_spares_node_b, loose_fleet) {
  constexpr int k_flood = 5000;
  message_inbox acks;
  auto a = node_a_session(acks);
  protocol::topic_scheme topics;
  auto rss_before = master_rss_kib();

  // 5,000 alarms of 4 KiB lines as fast as the session takes them; node-b's
  // alarm is raised early in it, while node-a's burst fills the hook backlog
  // (without a fair backlog, node-b's hook is then skipped).
  const std::string filler(4000, 'x');
  for (int i = 0; i < k_flood; ++i) {
    if (i == 300) append_line(app_log, "kernel: SQUAT during the flood");
    auto msg = protocol::encode(node_a_alarm(fmt::format("flood-{}", i), filler));
    BOOST_REQUIRE(a->publish({topics.alarm("node-a"), std::move(msg), 1, false}));
  }

  // Every flood alarm was handled: journaled, refused for rate, or dropped
  // beyond node-a's share of the master's inbound queue; none lost without a
  // count (node-b's one is journaled too).
  auto beyond_share = [&] {
    return metric("peranda_rejected_messages_total{reason=\"sender_share_full\"}");
  };
  BOOST_REQUIRE_MESSAGE(wait_until([&] {
                          return metric("peranda_alarms_total") +
                                     metric("peranda_alarms_limited_total{reason=\"rate\"}") +
                                     beyond_share() >=
                                 k_flood + 1;
                        }),
                        "the master did not account for the flood\nmaster:\n" + master->log());
  auto refused = metric("peranda_alarms_limited_total{reason=\"rate\"}");
  auto journaled_total = metric("peranda_alarms_total");
  BOOST_TEST(journaled_total + refused + beyond_share() == k_flood + 1.0);
  // Most of it refused or dropped: node-a got little more than its burst.
  BOOST_TEST(refused + beyond_share() > k_flood / 2.0);
  BOOST_TEST(metric("peranda_rejected_messages_total{reason=\"inbox_full\"}") == 0);
  BOOST_TEST_MESSAGE("flood: " << journaled_total << " journaled, " << refused << " refused, "
                               << beyond_share() << " beyond node-a's share of the queue");

  // node-b's alarm raised during the flood: journaled as node-b's, hook run.
  BOOST_REQUIRE(wait_until([&] { return journaled_by("node-b").size() == 1; }));
  auto b_id = journaled_by("node-b").front()["id"].get<std::string>();
  BOOST_TEST(wait_until([&] {
               auto text = peranda::read_file(hook_out);
               return text && text->find(b_id) != std::string::npos;
             }),
             "node-b's hook never ran");
  BOOST_TEST_MESSAGE("hooks: " << metric("peranda_alarm_hooks_total{outcome=\"ok\"}") << " ran, "
                               << metric("peranda_alarm_hooks_total{outcome=\"skipped_full\"}")
                               << " skipped (backlog full), "
                               << metric("peranda_alarm_hooks_total{outcome=\"skipped_evicted\"}")
                               << " skipped (evicted)");

  // node-a is told: an ack listing refused ids with a retry_after_ms.
  bool told = wait_until([&] {
    auto msg = acks.pop_for(std::chrono::milliseconds(200));
    if (!msg) return false;
    auto ack = protocol::decode_alarm_ack(msg->payload);
    return ack && !ack->refused.empty() && ack->retry_after_ms >= 1000;
  });
  BOOST_TEST(told);

  // The journal is bounded: rotated, at most `keep` old files of max size.
  auto bytes = journal_bytes();
  BOOST_TEST_MESSAGE("journal: " << bytes << " bytes in all");
  BOOST_TEST(bytes <= (k_journal_keep + 1) * k_journal_max);
  BOOST_TEST(std::filesystem::file_size(journal()) <= k_journal_max);
  // The master stays small (a generous bound) and node-b stays online.
  auto rss = master_rss_kib();
  BOOST_TEST_MESSAGE("master RSS: " << rss_before << " KiB before, " << rss << " KiB after");
  BOOST_TEST(rss < rss_bound_kib(200));
  BOOST_TEST(node_state("node-b") == "online");
  a->stop();
}

// node-a runs a real agent whose file raises 300 alarms at once against a
// rate of 20/s with a burst of 100: the master refuses the excess, the
// agent keeps it in its outbox and sends it again paced; in the end every
// alarm is journaled exactly once.
BOOST_FIXTURE_TEST_CASE(a_real_agent_over_its_rate_loses_nothing, strict_fleet) {
  constexpr int k_lines = 300;
  auto node_a_log = files / "node-a-app.log";
  {
    std::ofstream out(node_a_log);
    for (int i = 0; i < k_lines; ++i) out << "SQUAT line " << i << '\n';
  }
  auto node_a = start_agent(as_user("node-a", "node-a"), "node-a", source_and_rule(node_a_log));
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return journaled_by("node-a").size() == k_lines; }, std::chrono::minutes(3)),
      "node-a's alarms: " << journaled_by("node-a").size() << "\nnode-a:\n"
                          << node_a->log());
  BOOST_TEST(metric("peranda_alarms_limited_total{reason=\"rate\"}") > 0);
  BOOST_TEST(metric("peranda_alarm_duplicates_total") < k_lines);
  auto record = find_node(http_port, "node-a");
  BOOST_REQUIRE(wait_until([&] {
    record = find_node(http_port, "node-a");
    return record.is_object() && record["counters"].value("alarms_pending", 1) == 0;
  }));
  BOOST_TEST(record["counters"].value("alarms_refused", 0) > 0);  // as the agent counts
  BOOST_TEST(wait_until([&] {                                     // as the master counts
    return find_node(http_port, "node-a").value("alarms_refused", 0) > 0;
  }));
  BOOST_TEST(node_state("node-b") == "online");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
