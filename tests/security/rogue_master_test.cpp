// SPDX-License-Identifier: Apache-2.0
// Issue 14, item 11 (and the agent's part of item 4): a second master user,
// master-2, plays a rogue master against node-b while master-1 pulls.
// - Acks `complete` for node-b's transfer to master-1, naming master-1 with
//   a wrong sha256 and itself with the right one: node-b keeps the spool
//   file until master-1's own `complete` (node-a cannot even publish one).
// - With `masters = ["master-1"]` in node-b's agent.toml, its requests are
//   answered `failed` and its alarm acks ignored, all counted; master-1's
//   pulls go on.
// - A request it publishes retained is refused by the broker plugin: not
//   delivered and not kept for later subscribers (the agent's own check,
//   for brokers without the plugin, is in agent_trust_test).
// To hold the transfer open without timing, node-b is paused (SIGSTOP)
// until master-1 has sent its request, then master-1 until the rogue acks
// have been handled; so the acks meet a running transfer every time.
#define BOOST_TEST_MODULE rogue_master
#include <httplib.h>
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "core/fs/sha256.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/clock.hpp"
#include "tests/security/attacked_fleet.hpp"
#include "tests/support/message_inbox.hpp"

namespace peranda::test {
namespace {

const protocol::topic_scheme k_topics;
const std::string k_file = "spool-0000000000001-000000.log";
constexpr std::size_t k_rss_bound_kib = rss_bound_kib(256);

// A connected session that records what arrives on its filters.
class watcher {
 public:
  watcher(mqtt_session::options o, const std::vector<std::string>& filters)
      : session_(std::move(o)) {
    for (const auto& f : filters) inbox_.subscribe(session_, f);
    BOOST_REQUIRE(session_.start().has_value());
    BOOST_REQUIRE(session_.wait_connected(k_deadline));
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        auto m = inbox_.pop_for(std::chrono::milliseconds(100));
        if (!m) continue;
        std::lock_guard lock(mu_);
        messages_.push_back(std::move(*m));
      }
    });
  }
  ~watcher() {
    thread_.request_stop();
    thread_.join();
    session_.stop();
  }

  std::vector<mqtt_session::message> on(const std::string& suffix) const {
    std::lock_guard lock(mu_);
    std::vector<mqtt_session::message> out;
    for (const auto& m : messages_) {
      if (m.topic.ends_with(suffix)) out.push_back(m);
    }
    return out;
  }

  // Publishes and waits for the broker's PUBACK (also given for a publish
  // the ACL denies, which is then just not delivered).
  void publish_acked(const std::string& topic, const std::string& payload, bool retained = false) {
    auto acked = std::make_shared<std::promise<bool>>();
    auto done = acked->get_future();
    BOOST_REQUIRE(session_
                      .publish({topic, payload, 1, retained},
                               [acked](bool delivered) { acked->set_value(delivered); })
                      .has_value());
    BOOST_REQUIRE(done.wait_for(k_deadline) == std::future_status::ready);
    BOOST_REQUIRE(done.get());
  }

 private:
  message_inbox inbox_;
  mqtt_session::session session_;
  mutable std::mutex mu_;
  std::vector<mqtt_session::message> messages_;
  std::jthread thread_;
};

// Stops a process with SIGSTOP (it keeps its connections and does nothing)
// until resume() or destruction.
class paused {
 public:
  explicit paused(pid_t pid) : pid_(pid) {
    BOOST_REQUIRE(::kill(pid_, SIGSTOP) == 0);
    BOOST_REQUIRE(wait_until([&] { return state() == 'T'; }));
  }
  ~paused() { resume(); }
  void resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = -1;
  }

 private:
  char state() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto at = text.rfind(')');
    return at == std::string::npos || at + 2 >= text.size() ? '?' : text[at + 2];
  }
  pid_t pid_;
};

// The shipped fleet plus master-2, a master user with the same ACL block as
// master-1: the rogue. It watches node-b as every master user may.
struct rogue_fleet : attacked_fleet {
  explicit rogue_fleet(const std::string& node_b_extra = "")
      : attacked_fleet("pull_interval = \"1h\"\n", node_b_extra,
                       {"node-a", "node-b", "master-1", "master-2", "edge-site-1"},
                       master_acl_block("master-2")),
        node_b_extra_(node_b_extra) {
    // The first periodic pull comes once node-b is online; the next only
    // after an hour: after this, every pull is the test's.
    BOOST_REQUIRE_MESSAGE(wait_until([&] {
                            auto pulls = http_get_json(http_port, "/api/v1/pulls");
                            if (!pulls.is_object()) return false;
                            for (const auto& p : pulls["pulls"]) {
                              if (p.value("node", "") == "node-b" && p.value("finished", false)) {
                                return true;
                              }
                            }
                            return false;
                          }),
                          master->log());
  }

  std::unique_ptr<watcher> rogue() const {
    return std::make_unique<watcher>(
        client("master-2", "master-2:rogue"),
        std::vector<std::string>{k_topics.logs_request("node-b"), k_topics.logs_reply("node-b"),
                                 k_topics.heartbeat("node-b"),
                                 "peranda/v1/nodes/node-b/logs/upload/+/begin"});
  }

  static std::optional<protocol::heartbeat> heartbeat(const watcher& w) {
    auto hbs = w.on("/heartbeat");
    if (hbs.empty() || hbs.back().payload.empty()) return std::nullopt;
    auto hb = protocol::decode_heartbeat(hbs.back().payload);
    return hb ? std::optional(*hb) : std::nullopt;
  }

  static std::uint64_t counter(const watcher& w, const std::string& name) {
    auto hb = heartbeat(w);
    return hb ? hb->counters[name] : 0;
  }

  std::filesystem::path spool_files() const { return dir / "node-b" / "spool" / "files"; }

  // Restarts node-b (with a closed spool file if `content` is not empty)
  // and waits until `w` and master-1 see its new session online.
  void restart_node_b(const watcher& w, const std::string& content = "") {
    BOOST_REQUIRE(wait_until([&] { return heartbeat(w).has_value(); }));
    auto before = heartbeat(w);
    node_b->stop();
    if (!content.empty()) {
      std::filesystem::create_directories(spool_files());
      std::ofstream(spool_files() / k_file, std::ios::binary) << content;
    }
    node_b = start_agent(as_user("node-b", "node-b"), "node-b", node_b_extra_);
    BOOST_REQUIRE_MESSAGE(wait_until([&] {
                            auto hb = heartbeat(w);
                            return hb && hb->session > before->session &&
                                   hb->state == protocol::node_state::online &&
                                   node_state("node-b") == "online";
                          }),
                          node_b->log());
  }

  std::string pull_node_b() const {
    auto id = pull("node-b");
    BOOST_REQUIRE_MESSAGE(!id.empty(), "pull not accepted");
    return id;
  }

  // The pull's final status, "" while it runs.
  std::string final_status(const std::string& id) const {
    return pull_finished(id) ? pull_status(id).value("status", "") : "";
  }

  static std::vector<protocol::logs_reply> replies(const watcher& w, const std::string& id) {
    std::vector<protocol::logs_reply> out;
    for (const auto& m : w.on("/logs/reply")) {
      auto r = protocol::decode_logs_reply(m.payload);
      if (r && r->request_id == id) out.push_back(*r);
    }
    return out;
  }

  static std::string request(const std::string& id, const std::string& master) {
    return protocol::encode(protocol::logs_request{
        id, master, {}, 64 * 1024, 8, wall_clock_ms() + 120'000, wall_clock_ms(), {}, {}});
  }

  static std::string complete(const std::string& transfer, const std::string& master,
                              const std::string& sha) {
    protocol::logs_ack a;
    a.transfer_id = transfer;
    a.master_id = master;
    a.status = protocol::ack_status::complete;
    a.sha256 = sha;
    return protocol::encode(a);
  }

  // node-b still serves master-1 and the master stayed small.
  void check_unaffected() {
    BOOST_CHECK_EQUAL(node_state("node-b"), "online");
    auto id = pull_node_b();
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return !final_status(id).empty(); }), master->log());
    BOOST_CHECK(final_status(id) == "done" || final_status(id) == "empty");
    auto rss = master_rss_kib();
    BOOST_CHECK_GT(rss, 0U);
    BOOST_CHECK_LT(rss, k_rss_bound_kib);
  }

  std::string node_b_extra_;
};

std::string spool_content() {
  std::string text;
  for (int i = 0; text.size() < 200'000; ++i) {
    text += "2026-12-04T09:00:00Z node-b line " + std::to_string(i) + "\n";
  }
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rogue_completes_do_not_delete_a_spool_file) {
  rogue_fleet fleet;
  auto rogue = fleet.rogue();
  auto content = spool_content();
  auto sha = sha256_hex(content);
  fleet.restart_node_b(*rogue, content);
  auto node_a_acks =
      std::make_unique<watcher>(fleet.client("node-a", "node-a:acks"), std::vector<std::string>{});

  // node-b waits while master-1 asks, then master-1 waits while node-b
  // starts the transfer and hears the rogue.
  auto node_b_paused = std::make_unique<paused>(fleet.node_b->pid());
  auto id = fleet.pull_node_b();
  BOOST_REQUIRE(wait_until([&] {
    for (const auto& m : rogue->on("/logs/request")) {
      auto r = protocol::decode_logs_request(m.payload);
      if (r && r->request_id == id) return true;
    }
    return false;
  }));
  paused master_paused(fleet.master->pid());
  node_b_paused.reset();
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return !rogue->on("/begin").empty(); }),
                        fleet.node_b->log());
  auto begin = protocol::decode_upload_begin(rogue->on("/begin").front().payload);
  BOOST_REQUIRE(begin.has_value());
  BOOST_TEST(begin->master_id == "master-1");
  BOOST_TEST(begin->sha256 == sha);

  // A node cannot write another node's acks at all (the ACL) ...
  node_a_acks->publish_acked(k_topics.logs_ack("node-b"),
                             rogue_fleet::complete(begin->transfer_id, "master-1", sha));
  // ... a master user can, but neither another master's id with a wrong
  // digest nor its own id with the right one ends the transfer.
  rogue->publish_acked(k_topics.logs_ack("node-b"),
                       rogue_fleet::complete(begin->transfer_id, "master-1", std::string(64, 'f')));
  rogue->publish_acked(k_topics.logs_ack("node-b"),
                       rogue_fleet::complete(begin->transfer_id, "master-2", sha));
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return rogue_fleet::counter(*rogue, "acks_refused") >= 2; }),
      fleet.node_b->log());
  BOOST_TEST(std::filesystem::exists(fleet.spool_files() / k_file));
  BOOST_TEST(rogue_fleet::counter(*rogue, "uploads_done") == 0u);

  master_paused.resume();
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return !fleet.final_status(id).empty(); }),
                        fleet.master->log());
  BOOST_TEST(fleet.final_status(id) == "done");
  BOOST_REQUIRE(wait_until([&] { return !std::filesystem::exists(fleet.spool_files() / k_file); }));
  BOOST_REQUIRE(wait_until([&] { return rogue_fleet::counter(*rogue, "uploads_done") == 1; }));
  BOOST_TEST(rogue_fleet::counter(*rogue, "acks_refused") == 2u);
  fleet.check_unaffected();
}

BOOST_AUTO_TEST_CASE(a_master_outside_the_allow_list_is_refused_and_counted) {
  rogue_fleet fleet("masters = [\"master-1\"]\n");
  auto rogue = fleet.rogue();
  rogue->publish_acked(k_topics.logs_request("node-b"),
                       rogue_fleet::request("r-rogue", "master-2"));
  BOOST_REQUIRE(wait_until([&] { return !rogue_fleet::replies(*rogue, "r-rogue").empty(); }));
  auto reply = rogue_fleet::replies(*rogue, "r-rogue").front();
  BOOST_TEST((reply.status == protocol::reply_status::failed));
  BOOST_TEST(reply.reason == "master 'master-2' is not in this node's [agent] masters");
  rogue->publish_acked(k_topics.alarm_ack("node-b"),
                       R"({"v":1,"master_id":"master-2","ids":["a1"]})");
  BOOST_REQUIRE(wait_until([&] {
    return rogue_fleet::counter(*rogue, "requests_refused") == 1 &&
           rogue_fleet::counter(*rogue, "alarm_acks_refused") == 1;
  }));
  fleet.check_unaffected();
  BOOST_TEST(rogue_fleet::replies(*rogue, "r-rogue").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_retained_request_is_refused_and_not_kept) {
  rogue_fleet fleet;
  auto rogue = fleet.rogue();
  rogue->publish_acked(k_topics.logs_request("node-b"),
                       rogue_fleet::request("r-retained", "master-2"), true);
  // node-b handles its messages in order: once this one is answered, the
  // retained one would have been answered before it.
  rogue->publish_acked(k_topics.logs_request("node-b"), rogue_fleet::request("r-live", "master-2"));
  BOOST_REQUIRE(wait_until([&] { return !rogue_fleet::replies(*rogue, "r-live").empty(); }));
  BOOST_TEST(rogue_fleet::replies(*rogue, "r-retained").empty());
  BOOST_TEST(rogue->on("/logs/request").size() == 1u);  // r-live only
  // A later subscriber (as node-b is at each reconnect) would get a kept
  // one before anything live.
  watcher late(fleet.client("master-2", "master-2:late"), {k_topics.logs_request("node-b")});
  rogue->publish_acked(k_topics.logs_request("node-b"),
                       rogue_fleet::request("r-live-2", "master-2"));
  BOOST_REQUIRE(wait_until([&] { return !late.on("/logs/request").empty(); }));
  auto first = protocol::decode_logs_request(late.on("/logs/request").front().payload);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->request_id == "r-live-2");
  fleet.check_unaffected();
}

}  // namespace peranda::test
