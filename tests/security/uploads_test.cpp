// SPDX-License-Identifier: Apache-2.0
// Issue 14, items 3-7 and 9, played as node-a against a real master and a
// real node-b agent over the production broker: uploads nobody asked for,
// slot hogging, retained begins, junk chunks, begins that made the master
// re-hash a stored file, a flood of chunks for unknown transfers, and
// storage name collisions. Each is refused or bounded, and node-b's pull of
// a fresh log line completes every time.
#define BOOST_TEST_MODULE security_uploads
#include <unistd.h>

#include <httplib.h>

#include "core/fs/sha256.hpp"
#include "tests/integration/master_test_agent.hpp"
#include "tests/security/attacked_fleet.hpp"

namespace peranda::test {
namespace {

const protocol::topic_scheme k_topics;

// node-b's log file, tailed by its agent (one per test program).
std::filesystem::path node_b_log() {
  return std::filesystem::temp_directory_path() /
         ("peranda-uploads-test-" + std::to_string(::getpid()) + ".log");
}

std::string node_b_source() {
  std::ofstream(node_b_log()).close();
  return "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + node_b_log().string() +
         "\"\nfrom_beginning = true\nrule_lines_per_second = 0\n";
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct upload_fleet : attacked_fleet {
  explicit upload_fleet(const std::string& master_extra = "",
                        std::vector<std::string> users = {"node-a", "node-b", "master-1",
                                                          "edge-site-1"})
      : attacked_fleet(master_extra, node_b_source(), std::move(users)),
        master_extra_(master_extra) {}
  ~upload_fleet() { std::filesystem::remove(node_b_log()); }

  // A test agent with `user`'s credentials: the attacker when it is node-a.
  std::unique_ptr<test_agent> rogue(const std::string& user, const std::string& ip) {
    auto a = std::make_unique<test_agent>(client(user, user), user, ip);
    a->heartbeat();
    BOOST_REQUIRE(wait_until([&] { return node_state(user) == "online"; }));
    return a;
  }

  // Pulls `node` and waits for the pull to end; its final status.
  std::string pull_and_wait(const std::string& node) {
    auto id = pull(node);
    BOOST_TEST_REQUIRE(!id.empty(), "pull of " + node + " refused\nmaster:\n" + master->log());
    BOOST_REQUIRE(wait_until([&] { return pull_finished(id); }));
    return pull_status(id).value("status", "");
  }
  // `agent` (serving) stores `name`: the scheduler's own first pull of a
  // node that just came online may take it before the one asked for here.
  void upload(test_agent& agent, const std::string& name, std::string bytes) {
    agent.add_file(name, std::move(bytes));
    auto status = pull_and_wait(agent.node());
    BOOST_TEST((status == "done" || status == "empty"), status);
    BOOST_REQUIRE(wait_until([&] { return !agent.has_file(name); }));
  }

  double rejected_message(const std::string& reason) const {
    return metric("peranda_rejected_messages_total{reason=\"" + reason + "\"}");
  }
  double rejected_transfer(const std::string& reason) const {
    return metric("peranda_transfers_rejected_total{reason=\"" + reason + "\"}");
  }

  std::filesystem::path data_dir() const { return dir / "master" / "data"; }
  // Stored files below data_dir/<ip>/<node>/.
  std::size_t stored_of(const std::string& node) const {
    std::size_t n = 0;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(data_dir(), ec), end; !ec && it != end;
         it.increment(ec)) {
      auto rel = it->path().lexically_relative(data_dir()).string();
      n += it->is_regular_file() && rel.find("/" + node + "/") != std::string::npos;
    }
    return n;
  }

  // node-b logs `marker`; pulls of node-b end well until it is stored.
  void node_b_pull_completes(const std::string& marker) {
    std::ofstream(node_b_log(), std::ios::app) << marker << "\n";
    auto stored = [&] {
      std::error_code ec;
      for (std::filesystem::recursive_directory_iterator it(data_dir() / "127.0.0.1" / "node-b", ec),
           end;
           !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file() && read_all(it->path()).find(marker) != std::string::npos) {
          return true;
        }
      }
      return false;
    };
    BOOST_TEST_REQUIRE(wait_until([&] {
                         auto status = pull_and_wait("node-b");
                         BOOST_TEST((status == "done" || status == "empty"), status);
                         return stored();
                       }),
                       "node-b's line '" + marker + "' was never stored\nmaster:\n" +
                           master->log() + "\nnode-b:\n" + node_b->log());
    BOOST_TEST(node_state("node-b") == "online");
  }

  void restart_master() {
    master->stop();
    master = start_master(as_user("master-1", "master"), "master-1", http_port, master_extra_);
    BOOST_REQUIRE(wait_until([&] { return metric("peranda_broker_connected") == 1; }));
  }

  void check_rss() {
    auto rss = master_rss_kib();
    BOOST_TEST(rss > 0u);
    BOOST_TEST(rss < rss_bound_kib(192), "master RSS " << rss << " KiB");
  }

  std::string master_extra_;
};

}  // namespace

// Item 3: 50 uploads with no request at all, then one under node-a's own
// pull for a file its reply never announced: nothing is stored, each is
// rejected with its reason.
BOOST_AUTO_TEST_CASE(unrequested_and_unannounced_uploads_store_nothing) {
  upload_fleet f;
  auto a = f.rogue("node-a", "10.66.0.1");
  auto bytes = std::string(60 * 1024, 'E');
  for (int i = 0; i < 50; ++i) {
    auto m = a->manifest(fmt::format("evil{}.log", i), bytes, fmt::format("u{}", i), "p-none",
                         "master-1", 64 * 1024);
    a->send_begin(m);
    a->send_chunk(m, bytes, 0);
    a->send_end(m);
  }
  auto ack = a->wait_final("u0", k_deadline);
  BOOST_REQUIRE(ack);
  BOOST_TEST(protocol::to_string(ack->status) == "rejected");
  BOOST_TEST(ack->reason.find("no open pull") != std::string::npos, ack->reason);

  auto id = f.pull("node-a");
  BOOST_REQUIRE(!id.empty());
  auto req = a->accept_request(id, {"fine.log"}, k_deadline);
  BOOST_REQUIRE(req);
  BOOST_REQUIRE(wait_until([&] { return f.pull_status(id).value("status", "") == "accepted"; }));
  auto m = a->manifest("other.log", bytes, "n1", req->request_id, "master-1", req->chunk_size);
  // Repeated as an agent does after its ack timeout: the answers to node-a
  // are budgeted, and its flood above spent them for a while.
  BOOST_REQUIRE(wait_until([&] {
    a->send_begin(m);
    ack = a->wait_final("n1", std::chrono::milliseconds(500));
    return ack.has_value();
  }));
  BOOST_TEST(protocol::to_string(ack->status) == "rejected");
  BOOST_TEST(ack->reason.find("not announced") != std::string::npos, ack->reason);
  BOOST_TEST(f.rejected_transfer("not_announced") == 1);
  BOOST_TEST(f.rejected_transfer("unrequested") >= 1);
  BOOST_TEST(f.stored_of("node-a") == 0u);
  BOOST_TEST(f.metric("peranda_files_stored_total") == 0);
  f.node_b_pull_completes("after-unrequested-uploads");
  BOOST_TEST(f.stored_of("node-a") == 0u);
  f.check_rss();
}

// Item 4: under its own pull node-a begins 10 transfers that never send
// data and repeats the first: it holds one slot, the repeats do not keep it
// alive, the refused files settle its pull by name, and node-b is pulled
// meanwhile.
BOOST_AUTO_TEST_CASE(begins_without_data_hold_one_slot_and_do_not_keep_it) {
  upload_fleet f("transfer_idle_timeout = \"2s\"");
  auto a = f.rogue("node-a", "10.66.0.1");
  auto id = f.pull("node-a");
  BOOST_REQUIRE(!id.empty());
  std::vector<std::string> files;
  for (int i = 0; i < 10; ++i) files.push_back(fmt::format("f{}.log", i));
  auto req = a->accept_request(id, files, k_deadline);
  BOOST_REQUIRE(req);
  BOOST_REQUIRE(wait_until([&] { return f.pull_status(id).value("status", "") == "accepted"; }));
  auto bytes = std::string(200 * 1024, 'H');
  std::vector<protocol::upload_begin> begins;
  for (int i = 0; i < 10; ++i) {
    begins.push_back(a->manifest(files[i], bytes, fmt::format("h{}", i), req->request_id,
                                 "master-1", req->chunk_size));
    a->send_begin(begins.back());
  }
  BOOST_REQUIRE(wait_until([&] { return f.rejected_transfer("node_busy") >= 9; }));
  BOOST_TEST(f.metric("peranda_transfers_active") <= 1);
  f.node_b_pull_completes("while-node-a-hogs");
  // The repeated begin is answered but is no progress: the transfer idles
  // out and node-a's pull ends, long before its 10-minute deadline.
  BOOST_REQUIRE(wait_until([&] {
    a->send_begin(begins[0]);
    return f.pull_finished(id);
  }));
  auto p = f.pull_status(id);
  BOOST_TEST(p.value("status", "") == "done");
  BOOST_TEST(p["files"]["f3.log"]["reason"].get<std::string>().find("busy") != std::string::npos);
  BOOST_TEST(f.rejected_transfer("idle_timeout") == 1);
  BOOST_TEST(f.stored_of("node-a") == 0u);
  f.check_rss();
}

// Item 4: retained begins are not replayed into the master at its start.
BOOST_AUTO_TEST_CASE(retained_begins_are_ignored_at_restart) {
  upload_fleet f;
  auto a = f.rogue("node-a", "10.66.0.1");
  auto bytes = std::string(1000, 'R');
  for (int i = 0; i < 8; ++i) {
    auto m = a->manifest(fmt::format("r{}.log", i), bytes, fmt::format("r{}", i), "p-none",
                         "master-1", 64 * 1024);
    a->publish({k_topics.upload_begin("node-a", m.transfer_id), protocol::encode(m), 1, true});
  }
  // The broker plugin refuses retained begins, so none is answered: a live
  // begin sent after them is the first answer node-a hears.
  auto live = a->manifest("l.log", bytes, "l1", "p-none", "master-1", 64 * 1024);
  a->send_begin(live);
  BOOST_REQUIRE(a->wait_final("l1", k_deadline));
  BOOST_TEST(a->acks_seen() == 1u);
  f.restart_master();
  // A begin sent after the restart is answered after whatever the broker
  // replayed at the subscription: then nothing else may have been answered.
  auto sentinel = a->manifest("s.log", bytes, "s1", "p-none", "master-1", 64 * 1024);
  a->send_begin(sentinel);
  BOOST_REQUIRE(a->wait_final("s1", k_deadline));
  BOOST_TEST(a->acks_seen() == 2u);
  BOOST_TEST(f.rejected_transfer("unrequested") == 1);  // the sentinel only
  BOOST_TEST_MESSAGE("retained messages ignored: " << f.rejected_message("retained_ignored"));
  f.node_b_pull_completes("after-restart");
  f.check_rss();
}

// Item 5: chunks larger than the requested chunk_size are dropped on
// Paho's thread before they are queued; the master's memory stays flat.
BOOST_AUTO_TEST_CASE(oversized_chunks_are_dropped_before_queueing) {
  upload_fleet f;
  auto a = f.rogue("node-a", "10.66.0.1");
  auto rss_before = f.master_rss_kib();
  // Below any packet limit a broker may set for 1 MiB chunks.
  auto junk = std::string(1000 * 1024, 'J');
  constexpr int k_chunks = 200;
  for (int i = 0; i < k_chunks; ++i) {
    a->publish({k_topics.upload_chunk("node-a", "j1", static_cast<std::uint32_t>(i)), junk, 1,
                false});
  }
  BOOST_REQUIRE(wait_until([&] { return f.rejected_message("oversized_chunk") >= k_chunks; }));
  auto rss_after = f.master_rss_kib();
  BOOST_TEST_MESSAGE("master RSS " << rss_before << " -> " << rss_after << " KiB");
  BOOST_TEST(rss_after < rss_before + rss_bound_kib(64));
  BOOST_TEST(f.metric("peranda_upload_backlog_bytes") < 16 * 1024 * 1024);
  f.node_b_pull_completes("after-junk-chunks");
  f.check_rss();
}

// Item 6: begins naming a stored file (same size and sha256) never make the
// master read it again: not without a pull, and not under a pull either.
BOOST_AUTO_TEST_CASE(begins_naming_a_stored_file_cause_no_rehash) {
  upload_fleet f;
  auto a = f.rogue("node-a", "10.66.0.1");
  std::string big(4 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  a->serve("master-1");
  f.upload(*a, "big.log", big);
  BOOST_REQUIRE(f.stored_of("node-a") == 1u);
  for (int i = 0; i < 300; ++i) {
    a->send_begin(a->manifest("big.log", big, fmt::format("b{}", i), "p-none", "master-1",
                              64 * 1024));
  }
  BOOST_REQUIRE(wait_until([&] {
    return f.rejected_transfer("unrequested") + f.rejected_message("unrequested_begin") >= 300;
  }));
  f.upload(*a, "big.log", big);  // and once more under a real pull
  BOOST_TEST(f.metric("peranda_transfers_total{outcome=\"duplicate\"}") == 1);
  BOOST_TEST(f.metric("peranda_stored_file_hashes_total") == 0);
  BOOST_TEST(f.stored_of("node-a") == 1u);
  f.node_b_pull_completes("after-rehash-begins");
  f.check_rss();
}

// Item 7: 12,000 chunks for transfers that do not exist get a bounded
// number of answers; publishing to other nodes keeps working.
BOOST_AUTO_TEST_CASE(chunks_for_unknown_transfers_get_bounded_answers) {
  upload_fleet f;
  auto a = f.rogue("node-a", "10.66.0.1");
  constexpr int k_chunks = 12'000;
  for (int i = 0; i < k_chunks; ++i) {
    a->publish({k_topics.upload_chunk("node-a", fmt::format("x{}", i), 0), "junk", 1, false});
  }
  BOOST_REQUIRE(wait_until([&] {
    return f.rejected_message("chunk_unknown_transfer") + f.rejected_message("unknown_transfer") +
               f.rejected_message("upload_backlog_full") >=
           k_chunks;
  }));
  f.node_b_pull_completes("after-chunk-flood");
  auto acks = a->acks_seen();
  BOOST_TEST_MESSAGE("acks to node-a: " << acks);
  BOOST_TEST(acks >= 1u);
  BOOST_TEST(acks < 1000u);
  BOOST_TEST(count_of(f.master->log(), "ack to 'node-a' not sent") <= 1u);
  f.check_rss();
}

// Item 9: without {node} in the template every node still has its own
// folder (node-a's b_x.log and node-a_b's x.log differ), names like `-rf`
// are defused, a stored `x.part` survives a restart, and a stored
// `F.<sha12>` is never overwritten by another `F` with that digest.
BOOST_AUTO_TEST_CASE(stored_names_never_collide) {
  upload_fleet f("storage_template = \"{ip}\"",
                 {"node-a", "node-b", "master-1", "edge-site-1", "node-a_b"});
  auto a = f.rogue("node-a", "10.77.0.1");
  auto ab = f.rogue("node-a_b", "10.77.0.1");
  a->serve("master-1");
  ab->serve("master-1");
  f.upload(*a, "b_x.log", "from node-a\n");
  f.upload(*a, "-rf", "dash\n");
  f.upload(*a, "x.part", "a stored file\n");
  f.upload(*ab, "x.log", "from node-a_b\n");
  auto dir = f.data_dir() / "10.77.0.1";
  BOOST_TEST(read_text(dir / "node-a" / "b_x.log") == "from node-a\n");
  BOOST_TEST(read_text(dir / "node-a_b" / "x.log") == "from node-a_b\n");
  BOOST_TEST(read_text(dir / "node-a" / "_-rf") == "dash\n");

  std::string y1 = "y one\n";
  std::string y2 = "y two\n";
  auto planted = "y.log." + sha256_hex(y2).substr(0, 12);
  for (const auto& [name, bytes] : {std::pair{std::string("y.log"), y1}, {planted, "planted\n"},
                                    {std::string("y.log"), y2}}) {
    f.upload(*a, name, bytes);
  }
  BOOST_TEST(read_text(dir / "node-a" / "y.log") == y1);
  BOOST_TEST(read_text(dir / "node-a" / planted) == "planted\n");
  BOOST_TEST(read_text(dir / "node-a" / (planted + ".1")) == y2);

  f.restart_master();
  BOOST_TEST(read_text(dir / "node-a" / "x.part") == "a stored file\n");
  BOOST_TEST(f.stored_of("node-a_b") == 1u);
  f.node_b_pull_completes("after-name-collisions");
  f.check_rss();
}

}  // namespace peranda::test
