// SPDX-License-Identifier: Apache-2.0
// The pull tracker's upload admission: an upload begins only for an open
// pull of that node whose reply announced the file, within the quotas.
#include "master-service/scheduler/pull_tracker.hpp"

#include <boost/test/unit_test.hpp>

#include "core/log/log.hpp"

using namespace peranda;
using namespace peranda::master;

namespace {

constexpr std::uint64_t k_day_ms = 86'400'000;
constexpr std::uint64_t k_now_ms = 20'000 * k_day_ms + 5;

struct fixture {
  // A pull of `node` sent and accepted with `files`; returns its request id.
  std::string accepted(const std::string& node, std::vector<std::string> files) {
    auto id = pulls.create(node, false);
    pulls.mark_sent(id, pull_tracker::clock::now() + std::chrono::hours(1));
    protocol::logs_reply reply;
    reply.request_id = id;
    reply.master_id = "m";
    reply.status = protocol::reply_status::accepted;
    reply.files = std::move(files);
    BOOST_REQUIRE(pulls.on_reply(node, reply));
    return id;
  }
  std::string refusal(const std::string& node, const std::string& request, const std::string& file,
                      std::uint64_t size = 10, std::uint64_t ms = k_now_ms) {
    auto r = pulls.admit_upload(node, request, file, size, ms);
    return r ? r->label : "";
  }

  master_metrics metrics{get_logger("test")};
  pull_tracker pulls{metrics, upload_quota{1000, 2500}};
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(master_pull_tracker, fixture)

BOOST_AUTO_TEST_CASE(only_an_open_accepted_pull_of_that_node_admits) {
  BOOST_TEST(refusal("a", "no-such-request", "x.log") == "unrequested");
  auto sent = pulls.create("a", false);
  pulls.mark_sent(sent, pull_tracker::clock::now() + std::chrono::hours(1));
  BOOST_TEST(refusal("a", sent, "x.log") == "unrequested");  // no reply yet
  auto id = accepted("b", {"x.log"});
  BOOST_TEST(refusal("a", id, "x.log") == "unrequested");  // node-b's pull
  BOOST_TEST(refusal("b", id, "x.log") == "");
  BOOST_TEST(pulls.is_open("b", id));
  BOOST_TEST(!pulls.is_open("a", id));
}

BOOST_AUTO_TEST_CASE(only_announced_files_and_each_once) {
  auto id = accepted("a", {"x.log", "y.log"});
  BOOST_TEST(refusal("a", id, "z.log") == "not_announced");
  BOOST_TEST(refusal("a", id, "x.log") == "");
  BOOST_TEST(refusal("a", id, "x.log") == "");  // a retry of the same file
  pulls.on_transfer({"a", id, "t1", "x.log", true, "", 10});
  BOOST_TEST(refusal("a", id, "x.log") == "already_finished");
  // A refusal of a stored file does not undo it; a file not announced is
  // not recorded at all.
  pulls.on_transfer({"a", id, "t2", "x.log", false, "node_busy", 10});
  pulls.on_transfer({"a", id, "t3", "z.log", false, "not_announced", 10});
  auto r = pulls.find(id).value();
  BOOST_TEST(r.files.at("x.log").stored);
  BOOST_TEST(!r.files.contains("z.log"));
  BOOST_TEST((r.status == pull_status::accepted));
}

// A file refused at begin settles under its name, so the pull ends now and
// does not block the node's next pulls until its deadline.
BOOST_AUTO_TEST_CASE(a_refused_file_settles_the_pull) {
  auto id = accepted("a", {"x.log"});
  pulls.on_transfer({"a", id, "t1", "x.log", false, "quota", 0});
  BOOST_TEST((pulls.find(id)->status == pull_status::done));
  BOOST_TEST(!pulls.open_for("a"));
}

BOOST_AUTO_TEST_CASE(quotas_per_pull_and_per_day) {
  auto id = accepted("a", {"1", "2", "3", "4"});
  BOOST_TEST(refusal("a", id, "1", 600) == "");
  BOOST_TEST(refusal("a", id, "2", 600) == "quota_pull");
  BOOST_TEST(refusal("a", id, "2", 400) == "");
  auto next = accepted("b", {"1"});
  BOOST_TEST(refusal("b", next, "1", 1000) == "");  // another node's day
  pulls.on_transfer({"a", id, "t", "1", true, "", 600});
  pulls.on_transfer({"a", id, "t", "2", true, "", 400});
  pulls.on_transfer({"a", id, "t", "3", false, "x", 0});
  pulls.on_transfer({"a", id, "t", "4", false, "x", 0});
  auto second = accepted("a", {"5", "6"});
  BOOST_TEST(refusal("a", second, "5", 1000) == "");
  auto third = accepted("a", {"7"});
  pulls.on_transfer({"a", second, "t", "5", true, "", 1000});
  pulls.on_transfer({"a", second, "t", "6", false, "x", 0});
  BOOST_TEST(refusal("a", third, "7", 600) == "quota_day");
  BOOST_TEST(refusal("a", third, "7", 600, k_now_ms + k_day_ms) == "");  // a new UTC day
}

// The scheduler learns of a freed transfer slot from the tracker itself:
// once for each pull a reply, a transfer or expiry ends, never for one
// that stays open.
BOOST_AUTO_TEST_CASE(a_pull_that_ends_reports_its_slot_freed) {
  int freed = 0;
  pulls.on_slot_freed([&] { ++freed; });
  auto id = accepted("a", {"x.log", "y.log"});
  BOOST_TEST(freed == 0);  // accepted: still open
  pulls.on_transfer({"a", id, "t1", "x.log", true, "", 10});
  BOOST_TEST(freed == 0);  // y.log still to come
  pulls.on_transfer({"a", id, "t2", "y.log", true, "", 10});
  BOOST_TEST(freed == 1);
  pulls.on_transfer({"a", id, "t2", "y.log", true, "", 10});
  BOOST_TEST(freed == 1);  // a repeat ends nothing

  auto busy = pulls.create("b", false);
  pulls.mark_sent(busy, pull_tracker::clock::now() + std::chrono::hours(1));
  protocol::logs_reply reply;
  reply.request_id = busy;
  reply.master_id = "m";
  reply.status = protocol::reply_status::busy;
  BOOST_REQUIRE(pulls.on_reply("b", reply));
  BOOST_TEST(freed == 2);

  auto silent = pulls.create("c", false);
  auto deadline = pull_tracker::clock::now() + std::chrono::hours(1);
  pulls.mark_sent(silent, deadline);
  pulls.expire(deadline - std::chrono::seconds(1), std::chrono::hours(2));
  BOOST_TEST(freed == 2);
  pulls.expire(deadline, std::chrono::hours(2));
  BOOST_TEST(freed == 3);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(master_pull_tracker_not_owner)

// not_owner replies in a row make a streak (the scheduler's back-off); a
// pull ending otherwise resets it, and a forgotten node leaves nothing.
BOOST_FIXTURE_TEST_CASE(a_not_owner_streak_counts_resets_and_is_forgotten, fixture) {
  auto answer = [&](const std::string& node, protocol::reply_status status) {
    auto id = pulls.create(node, false);
    pulls.mark_sent(id, pull_tracker::clock::now() + std::chrono::hours(1));
    protocol::logs_reply reply;
    reply.request_id = id;
    reply.master_id = "m";
    reply.status = status;
    reply.owner = "m2";
    BOOST_REQUIRE(pulls.on_reply(node, reply));
  };
  answer("a", protocol::reply_status::not_owner);
  answer("a", protocol::reply_status::not_owner);
  BOOST_TEST(pulls.not_owner_of("a").count == 2u);
  BOOST_TEST(metrics.not_owner_replies.load() == 2u);
  answer("a", protocol::reply_status::empty);
  BOOST_TEST(pulls.not_owner_of("a").count == 0u);
  BOOST_TEST(pulls.last_success("a").has_value());
  answer("a", protocol::reply_status::not_owner);
  pulls.forget("a");
  BOOST_TEST(pulls.not_owner_of("a").count == 0u);
  BOOST_TEST(!pulls.last_success("a").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
