// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE agent_upload_test
#include <boost/test/unit_test.hpp>
#include <random>

#include "core/fs/sha256.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "core/util/clock.hpp"
#include "tests/integration/agent_fixture.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

const protocol::topic_scheme k_topics;

// What the master side of one transfer saw.
struct received_file {
  protocol::upload_begin begin;
  std::string data;
  std::vector<bool> have;
  std::set<std::uint32_t> dropped;
  std::uint32_t since_ack = 0;
  bool spool_file_existed_at_end = false;
  bool completed = false;
  std::uint64_t chunk_messages = 0;
};

// A minimal master: stores chunks, acks `progress` every few chunks and on
// holes, answers `end` with `missing` or (after checking sha256) `complete`
// or `rejected`. Can drop the first copy of every 7th chunk.
class test_master {
 public:
  enum class policy { store, drop_every_7th, reject, stall };

  test_master(const agent_rig& rig, policy p) : rig_(rig), policy_(p) {
    client_ = std::make_unique<recorder>(
        rig.b.url(), "test-master",
        std::vector<std::string>{k_topics.all_uploads(), k_topics.logs_reply(k_node),
                                 k_topics.heartbeat(k_node)},
        [this](const mqtt_session::message& m) { handle(m); });
  }

  // The agent subscribes before it publishes `online`: requests sent after
  // that reach it.
  void wait_agent_online() const {
    BOOST_REQUIRE(wait_until([&] {
      auto hb = client_->last_heartbeat();
      return hb && hb->state == protocol::node_state::online;
    }));
  }

  void set_policy(policy p) { policy_ = p; }

  void publish_raw(const std::string& topic, const std::string& payload) {
    BOOST_REQUIRE(client_->session().publish({topic, payload, 1, false}).has_value());
  }

  std::optional<protocol::heartbeat> heartbeat() const { return client_->last_heartbeat(); }

  void request(std::vector<std::string> files, std::string id,
               std::uint64_t deadline = wall_clock_ms() + 120'000) {
    protocol::logs_request r{id, "m1", std::move(files), 64 * 1024, 8, deadline, wall_clock_ms(),
                             {}, {}};
    BOOST_REQUIRE(client_->session()
                      .publish({k_topics.logs_request(k_node), protocol::encode(r), 1, false})
                      .has_value());
  }

  std::vector<protocol::logs_reply> replies() const {
    std::vector<protocol::logs_reply> out;
    for (const auto& m : client_->on("/logs/reply"))
      out.push_back(*protocol::decode_logs_reply(m.payload));
    return out;
  }

  std::map<std::string, received_file> files() const {
    std::lock_guard lock(mu_);
    return files_;
  }

 private:
  void ack(const received_file& f, protocol::ack_status status,
           std::vector<std::uint32_t> missing = {}) {
    protocol::logs_ack a;
    a.transfer_id = f.begin.transfer_id;
    a.master_id = "m1";
    a.status = status;
    a.next =
        static_cast<std::uint32_t>(std::find(f.have.begin(), f.have.end(), false) - f.have.begin());
    a.window = 8;
    a.missing = std::move(missing);
    if (status == protocol::ack_status::rejected) a.reason = "test rejects it";
    if (status == protocol::ack_status::complete) a.sha256 = f.begin.sha256;
    auto ok =
        client_->session().publish({k_topics.logs_ack(k_node), protocol::encode(a), 1, false});
    BOOST_REQUIRE(ok.has_value());
  }

  std::vector<std::uint32_t> holes(const received_file& f, std::uint32_t below) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t i = 0; i < below; ++i) {
      if (!f.have[i]) out.push_back(i);
    }
    return out;
  }

  void handle(const mqtt_session::message& m) {
    auto t = k_topics.parse(m.topic);
    if (!t || t->owner != k_node) return;
    std::lock_guard lock(mu_);
    if (t->kind == protocol::topic_kind::upload_begin) {
      auto b = protocol::decode_upload_begin(m.payload);
      BOOST_REQUIRE(b.has_value());
      auto& f = files_[b->transfer_id];
      f.begin = *b;
      f.data.assign(b->size, '\0');
      f.have.assign(b->chunk_count, false);
      return;
    }
    auto it = files_.find(t->transfer);
    if (it == files_.end()) return;
    auto& f = it->second;
    if (t->kind == protocol::topic_kind::upload_chunk) {
      ++f.chunk_messages;
      auto i = t->index;
      if (policy_ == policy::drop_every_7th && i % 7 == 6 && f.dropped.insert(i).second) return;
      std::copy(
          m.payload.begin(), m.payload.end(),
          f.data.begin() + static_cast<std::ptrdiff_t>(std::uint64_t{i} * f.begin.chunk_size));
      f.have[i] = true;
      if (policy_ == policy::stall) return;  // a master that stopped acking
      auto gaps = holes(f, i);
      if (++f.since_ack >= 4 || !gaps.empty()) {
        f.since_ack = 0;
        ack(f, protocol::ack_status::progress, gaps);
      }
      return;
    }
    if (t->kind == protocol::topic_kind::upload_end) {
      auto gaps = holes(f, static_cast<std::uint32_t>(f.have.size()));
      if (!gaps.empty()) return ack(f, protocol::ack_status::missing, gaps);
      f.spool_file_existed_at_end = std::filesystem::exists(rig_.spool_files() / f.begin.file);
      if (policy_ == policy::reject) return ack(f, protocol::ack_status::rejected);
      BOOST_REQUIRE_EQUAL(sha256_hex(f.data), f.begin.sha256);
      f.completed = true;
      ack(f, protocol::ack_status::complete);
    }
  }

  const agent_rig& rig_;
  std::atomic<policy> policy_;
  mutable std::mutex mu_;
  std::map<std::string, received_file> files_;
  std::unique_ptr<recorder> client_;
};

// A closed spool file of `size` bytes of varied log lines; returns its sha256.
std::string make_spool_file(const agent_rig& rig, const std::string& name, std::size_t size) {
  std::filesystem::create_directories(rig.spool_files());
  std::mt19937_64 rng(size);
  std::string text;
  while (text.size() < size) text += fmt::format("2026-01-01T00:00:00.000Z app value={}\n", rng());
  text.resize(size);
  text.back() = '\n';
  std::ofstream(rig.spool_files() / name, std::ios::binary) << text;
  return sha256_hex(text);
}

const std::string k_big = "spool-0000000000001-000000.log";
const std::string k_small = "spool-0000000000002-000000.log";

}  // namespace

BOOST_AUTO_TEST_CASE(a_20_mib_file_arrives_whole_and_is_deleted_only_after_complete) {
  agent_rig rig("");
  auto sha = make_spool_file(rig, k_big, 20u << 20);
  test_master master(rig, test_master::policy::store);
  rig.start_agent("starting;");
  master.wait_agent_online();
  master.request({k_big}, "r1");
  BOOST_REQUIRE(wait_until([&] {
    auto f = master.files();
    return !f.empty() && f.begin()->second.completed;
  }));
  auto f = master.files().begin()->second;
  BOOST_TEST(f.begin.file == k_big);
  BOOST_TEST(f.begin.size == 20u << 20);
  BOOST_TEST(sha256_hex(f.data) == sha);
  BOOST_TEST(f.spool_file_existed_at_end);
  BOOST_REQUIRE(wait_until([&] { return !std::filesystem::exists(rig.spool_files() / k_big); }));
  BOOST_REQUIRE(!master.replies().empty());
  BOOST_TEST((master.replies().front().status == protocol::reply_status::accepted));
}

// A last chunk of 16-29 bytes once failed to read: GCC 12's
// resize_and_overwrite hands the grown capacity (30) to the callback, not
// the size asked for. Every length from 1 to 40 bytes after whole chunks.
BOOST_AUTO_TEST_CASE(files_whose_last_chunk_is_short_arrive_whole) {
  agent_rig rig("");
  std::map<std::string, std::string> sha;  // file name -> sha256
  for (std::size_t tail = 1; tail <= 40; ++tail) {
    auto name = fmt::format("spool-{:013}-000000.log", tail);
    sha[name] = make_spool_file(rig, name, 64 * 1024 + tail);
  }
  test_master master(rig, test_master::policy::store);
  rig.start_agent("starting;");
  master.wait_agent_online();
  master.request({}, "r-tails");
  BOOST_REQUIRE(wait_until([&] {
    auto files = master.files();
    return files.size() == sha.size() &&
           std::ranges::all_of(files, [](const auto& f) { return f.second.completed; });
  }));
  for (const auto& [transfer, f] : master.files()) {
    BOOST_TEST(sha256_hex(f.data) == sha[f.begin.file], f.begin.file);
  }
}

BOOST_AUTO_TEST_CASE(dropped_chunks_are_resent_and_the_file_still_arrives_whole) {
  agent_rig rig("");
  auto sha = make_spool_file(rig, k_big, 20u << 20);
  test_master master(rig, test_master::policy::drop_every_7th);
  rig.start_agent("starting;");
  master.wait_agent_online();
  master.request({}, "r2");  // all closed files
  BOOST_REQUIRE(wait_until([&] {
    auto f = master.files();
    return !f.empty() && f.begin()->second.completed;
  }));
  auto f = master.files().begin()->second;
  BOOST_TEST(sha256_hex(f.data) == sha);
  BOOST_TEST(f.dropped.size() == f.begin.chunk_count / 7);
  BOOST_TEST(f.chunk_messages >= f.begin.chunk_count + f.dropped.size());
  BOOST_REQUIRE(wait_until([&] { return !std::filesystem::exists(rig.spool_files() / k_big); }));
}

BOOST_AUTO_TEST_CASE(rejected_expired_and_unknown_requests) {
  agent_rig rig("");
  make_spool_file(rig, k_small, 100'000);
  test_master master(rig, test_master::policy::reject);
  rig.start_agent("starting;");
  master.wait_agent_online();

  // Garbage is counted and dropped; the agent goes on serving.
  master.publish_raw(k_topics.logs_request(k_node), "{not json");
  master.publish_raw(k_topics.logs_ack(k_node), R"({"v":1,"transfer_id":"../x"})");
  BOOST_REQUIRE(wait_until([&] {
    auto hb = master.heartbeat();
    return hb && hb->counters["messages_invalid"] == 2;
  }));
  // The session's own counters are in the heartbeat too, at 0 on a steady connection.
  auto hb = master.heartbeat();
  BOOST_REQUIRE(hb);
  BOOST_TEST(hb->counters.contains("mqtt_fresh_clients"));
  BOOST_TEST(hb->counters["mqtt_fresh_clients"] == 0u);
  BOOST_TEST(hb->counters.contains("mqtt_slot_waits_given_up"));

  master.request({"spool-9999999999999-000000.log"}, "r-unknown");
  master.request({k_small}, "r-old", wall_clock_ms() - 1000);
  BOOST_REQUIRE(wait_until([&] { return master.replies().size() >= 2; }));
  auto replies = master.replies();
  BOOST_TEST((replies[0].status == protocol::reply_status::not_found));
  BOOST_TEST(replies[0].files == std::vector<std::string>{"spool-9999999999999-000000.log"});
  BOOST_TEST((replies[1].status == protocol::reply_status::expired));

  master.request({k_small}, "r-reject");
  BOOST_REQUIRE(wait_until([&] {
    auto hb = master.heartbeat();
    return hb && hb->counters["uploads_failed"] == 1;
  }));
  BOOST_TEST(std::filesystem::exists(rig.spool_files() / k_small));
  BOOST_TEST(master.files().size() == 1u);
}

// A master that asks again while its request is being served hears so at
// once, and the upload under way goes on.
BOOST_AUTO_TEST_CASE(a_second_request_while_one_runs_is_answered_busy) {
  agent_rig rig("", "ack_timeout = \"1h\"\n");
  make_spool_file(rig, k_big, 4u << 20);
  test_master master(rig, test_master::policy::stall);
  rig.start_agent("starting;");
  master.wait_agent_online();
  master.request({k_big}, "r1");
  BOOST_REQUIRE(wait_until([&] { return !master.files().empty(); }));
  master.request({k_big}, "r2");
  BOOST_REQUIRE(wait_until([&] { return master.replies().size() >= 2; }));
  auto replies = master.replies();
  BOOST_TEST((replies[0].status == protocol::reply_status::accepted));
  BOOST_TEST((replies[1].status == protocol::reply_status::busy));
  BOOST_TEST(replies[1].request_id == "r2");
  BOOST_TEST(replies[1].reason == "a request of this master is being served");
  BOOST_TEST(std::filesystem::exists(rig.spool_files() / k_big));
}

BOOST_AUTO_TEST_CASE(a_restart_mid_transfer_starts_the_file_again) {
  agent_rig rig("", "ack_timeout = \"1h\"\n");
  auto sha = make_spool_file(rig, k_big, 4u << 20);
  test_master master(rig, test_master::policy::stall);
  rig.start_agent("starting;");
  master.wait_agent_online();
  auto first_session = master.heartbeat()->session;
  master.request({k_big}, "r1");
  // A window's worth of chunks is out, unacknowledged; then the agent dies.
  BOOST_REQUIRE(wait_until([&] {
    auto f = master.files();
    return !f.empty() && f.begin()->second.chunk_messages >= 8;
  }));
  rig.agent->kill9();
  BOOST_TEST(std::filesystem::exists(rig.spool_files() / k_big));

  master.set_policy(test_master::policy::store);
  rig.start_agent("starting;", 2);
  BOOST_REQUIRE(wait_until([&] {
    auto hb = master.heartbeat();
    return hb && hb->session > first_session && hb->state == protocol::node_state::online;
  }));
  master.request({k_big}, "r2");
  BOOST_REQUIRE(wait_until([&] {
    for (const auto& [id, f] : master.files()) {
      if (f.completed) return true;
    }
    return false;
  }));
  auto files = master.files();
  BOOST_REQUIRE_EQUAL(files.size(), 2u);  // two transfer ids, the second complete
  for (const auto& [id, f] : files) {
    if (f.completed) BOOST_TEST(sha256_hex(f.data) == sha);
  }
  BOOST_REQUIRE(wait_until([&] { return !std::filesystem::exists(rig.spool_files() / k_big); }));
}

BOOST_AUTO_TEST_CASE(no_ack_within_ack_timeout_resends_from_next) {
  agent_rig rig("", "ack_timeout = \"500ms\"\n");
  auto sha = make_spool_file(rig, k_big, 2u << 20);
  test_master master(rig, test_master::policy::stall);
  rig.start_agent("starting;");
  master.wait_agent_online();
  master.request({k_big}, "r1");
  // A window (8 chunks) goes out; no ack comes; after ack_timeout the same
  // window goes out again (go-back-N from next = 0).
  BOOST_REQUIRE(wait_until([&] {
    auto f = master.files();
    return !f.empty() && f.begin()->second.chunk_messages >= 16;
  }));
  master.set_policy(test_master::policy::store);
  BOOST_REQUIRE(wait_until([&] {
    auto f = master.files();
    return !f.empty() && f.begin()->second.completed;
  }));
  auto f = master.files().begin()->second;
  BOOST_TEST(sha256_hex(f.data) == sha);
  BOOST_REQUIRE(wait_until([&] {
    auto hb = master.heartbeat();
    return hb && hb->counters["uploads_done"] == 1 && hb->counters["chunks_resent"] >= 8;
  }));
}
