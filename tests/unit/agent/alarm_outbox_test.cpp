// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_outbox.hpp"

#include <fmt/format.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "core/fs/durable_file.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "node-agent/alarms/alarm_sender.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace peranda;
using namespace peranda::agent;

namespace {

std::string payload(const std::string& id) {
  protocol::alarm a;
  a.id = id;
  a.node = "n1";
  a.rule = "r";
  a.source = "s";
  a.line = "x";
  return protocol::encode(a);
}

std::vector<protocol::alarm> outbox_alarms(const std::filesystem::path& dir) {
  auto box = alarm_outbox::open(dir, 100);
  BOOST_REQUIRE(box.has_value());
  std::vector<protocol::alarm> out;
  for (const auto& [key, p] : box->entries()) out.push_back(*protocol::decode_alarm(p));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_alarm_outbox)

BOOST_AUTO_TEST_CASE(survives_reopen_and_drops_the_oldest_past_its_cap) {
  test::temp_dir dir;
  {
    auto box = alarm_outbox::open(dir.path(), 2);
    BOOST_REQUIRE(box.has_value());
    BOOST_REQUIRE(box->add("k1", payload("a1")).has_value());
    BOOST_REQUIRE(box->add("k2", payload("a2")).has_value());
    auto dropped = box->add("k3", payload("a3"));
    BOOST_REQUIRE(dropped.has_value());
    BOOST_TEST(*dropped == std::vector<std::string>{"k1"});
    BOOST_TEST(box->dropped() == 1u);
    box->remove("k2");
  }
  // A torn temporary and a damaged entry from a crash are not alarms.
  BOOST_REQUIRE(write_file_atomic(dir / "k4.json", "{broken").has_value());
  std::ofstream(dir / "k5.json.tmp") << "partial";
  auto alarms = outbox_alarms(dir.path());
  BOOST_REQUIRE_EQUAL(alarms.size(), 1u);
  BOOST_TEST(alarms[0].id == "a3");
}

std::unique_ptr<alarm_sender> offline_sender(const std::filesystem::path& dir,
                                             std::uint64_t outbox_max = 100) {
  mqtt_session::options o;
  o.server_uri = "tcp://127.0.0.1:1";  // never started
  alarm_sender_settings settings{.node = "n1",
                                 .session = 1795570000,
                                 .outbox_dir = dir,
                                 .outbox_max = outbox_max,
                                 .id_key_file = dir / "state" / "alarm-id.key"};
  auto sender = alarm_sender::create(std::move(settings), protocol::topic_scheme(), o);
  BOOST_REQUIRE(sender.has_value());
  return std::move(*sender);
}

// A file line read again after a crash gets the same alarm id, and while
// the first is unconfirmed it is not queued twice; alarms without a file
// origin get distinct ids.
BOOST_AUTO_TEST_CASE(file_line_alarms_keep_their_id) {
  test::temp_dir dir;
  auto sender = offline_sender(dir.path());
  rule_hit from_file{"r", protocol::severity::error, "app", "boom", 42, 0, false, "2049:77:1700"};
  sender->raise(from_file);
  sender->raise(from_file);
  rule_hit from_exec{"r", protocol::severity::error, "probe", "boom", 0, 0, false, ""};
  sender->raise(from_exec);
  sender->raise(from_exec);
  auto other_line = from_file;
  other_line.offset = 43;
  sender->raise(other_line);
  BOOST_TEST(sender->pending() == 4u);
  sender.reset();
  auto alarms = outbox_alarms(dir.path());
  BOOST_REQUIRE_EQUAL(alarms.size(), 4u);  // in the order they were raised
  BOOST_TEST(alarms[0].line == "boom");
  BOOST_TEST(alarms[1].id != alarms[2].id);
  BOOST_TEST(alarms[1].source == "probe");
  BOOST_TEST(alarms[3].id != alarms[0].id);
  BOOST_TEST(alarms[3].offset == 43u);

  // The same line again after a restart: still the one entry.
  sender = offline_sender(dir.path());
  sender->raise(from_file);
  BOOST_TEST(sender->pending() == 4u);
}

// Exec alarms get random ids: a restart with the same session number (its
// state lost) repeats none, and nobody can guess the next one.
BOOST_AUTO_TEST_CASE(exec_alarm_ids_never_repeat_across_sessions) {
  std::set<std::string> ids;
  for (int session = 0; session < 2; ++session) {
    test::temp_dir dir;
    auto sender = offline_sender(dir.path());
    for (int i = 0; i < 20; ++i) {
      sender->raise({"r", protocol::severity::error, "probe", "boom", 0, 0, false, ""});
    }
    for (const auto& id : sender->unconfirmed_ids()) {
      BOOST_TEST(id.size() == 33u);
      BOOST_TEST(id.front() == 'a');
      ids.insert(id);
    }
  }
  BOOST_TEST(ids.size() == 40u);
}

// Only a master's confirmation empties the outbox; ids it does not hold
// (confirmed before, another node's) change nothing.
BOOST_AUTO_TEST_CASE(a_master_confirmation_removes_alarms_from_the_outbox) {
  test::temp_dir dir;
  auto sender = offline_sender(dir.path());
  for (std::uint64_t offset : {1, 2, 3}) {
    sender->raise({"r", protocol::severity::error, "app", "boom", offset, 0, false, "1:2:3"});
  }
  auto ids = outbox_alarms(dir.path());
  BOOST_REQUIRE_EQUAL(ids.size(), 3u);
  sender->confirm({"m1", {ids[0].id, ids[2].id, "unknown-id"}, {}, 0});
  sender->confirm({"m1", {ids[0].id}, {}, 0});
  BOOST_TEST(sender->confirmed() == 2u);
  BOOST_TEST(sender->pending() == 1u);
  sender.reset();
  auto left = outbox_alarms(dir.path());
  BOOST_REQUIRE_EQUAL(left.size(), 1u);
  BOOST_TEST(left[0].id == ids[1].id);
}

// The publish does not wait for the outbox write, so a confirmation can
// come while the alarm is still being written: it must not leave the file
// behind. A second thread confirms each alarm as early as it can (ids are
// unguessable, so it asks the sender for them). The outbox holds them all:
// a confirmer left far behind would otherwise find the oldest dropped.
BOOST_AUTO_TEST_CASE(a_confirmation_during_the_outbox_write_leaves_no_file) {
  test::temp_dir dir;
  constexpr int k_alarms = 200;
  auto sender = offline_sender(dir.path(), k_alarms);
  auto deadline = std::chrono::steady_clock::now() + test::k_deadline;
  std::jthread confirmer([&](std::stop_token stop) {
    while (sender->confirmed() < static_cast<std::uint64_t>(k_alarms) && !stop.stop_requested() &&
           std::chrono::steady_clock::now() < deadline) {
      for (const auto& id : sender->unconfirmed_ids()) sender->confirm({"m1", {id}, {}, 0});
    }
  });
  for (int i = 0; i < k_alarms; ++i) {
    sender->raise({"r", protocol::severity::error, "probe", "boom", 0, 0, false, ""});
  }
  confirmer.join();
  BOOST_TEST(sender->confirmed() == static_cast<std::uint64_t>(k_alarms));
  BOOST_TEST(sender->pending() == 0u);
  sender.reset();
  BOOST_TEST(outbox_alarms(dir.path()).empty());
}

BOOST_AUTO_TEST_SUITE_END()
