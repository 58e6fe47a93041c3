// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "core/compress/file_digests.hpp"
#include "core/fs/unique_fd.hpp"
#include "core/mqtt/dispatcher.hpp"
#include "core/mqtt/session.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/ownership/masters_view.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/bounded_queue.hpp"
#include "core/util/mutex.hpp"
#include "node-agent/spool/spool.hpp"
#include "node-agent/trust/refusal_counter.hpp"
#include "node-agent/trust/trusted_masters.hpp"
#include "node-agent/upload/completion_log.hpp"
#include "node-agent/upload/request_queue.hpp"
#include "node-agent/upload/transfer_machine.hpp"

namespace peranda::agent {

struct uploader_settings {
  std::string node;
  std::uint64_t session = 0;  // makes transfer ids unique across restarts
  std::chrono::milliseconds ack_timeout{std::chrono::seconds(10)};
  std::uint32_t retries = 5;
  std::size_t max_waiting_requests = 4;  // of other masters, behind the one being served
  trusted_masters masters{};             // whose requests and acks are taken
};

// Serves `logs/request`s (docs/protocol.md): answers each with a
// `logs/reply`, closes the active spool file so the newest lines go too, and
// uploads the requested closed files one transfer after another (`.zst`
// ones as they are to a master whose request lists zstd in `encodings`,
// decompressed to one that does not), driven by
// a transfer_machine per file. A spool file is deleted only on a `complete`
// of the master whose request is served, carrying the sha256 that was sent;
// on `rejected` or a dead master it stays for a later request. Requests of a
// master not in `masters` are answered `failed`, its acks ignored (both
// counted). Every `complete` is recorded in `completions` before its file
// is deleted (a deletion a crash interrupted is finished at start()), and
// every reply answers the request's `confirm` from that record. The file in
// transfer is pinned against the spool cap. A restart mid-transfer loses
// nothing: the next request starts the file again under a new transfer id.
// With several masters it serves only the one that owns its node in its
// own view of the live masters (masters_view): another master's request is
// answered `not_owner`, naming the owner it sees. A job whose master is no
// longer the owner ends after the file in transfer (a new master came);
// one whose master is gone ends at once (its file stays for the next).
// It subscribes its node's requests and acks and the masters' statuses on
// `session`; `inbound`'s thread decodes them and queues them (never
// blocking) for the uploader's own thread, where the work runs.
// start()/stop() from one thread.
class uploader {
 public:
  // REQUIRES: before session.start().
  uploader(uploader_settings settings, spool& spool, completion_log completions,
           mqtt_session::session& session, const protocol::topic_scheme& topics,
           mqtt_session::dispatcher& inbound);
  ~uploader();

  void start();
  void stop();

  std::uint64_t uploads_done() const { return done_.load(); }
  std::uint64_t uploads_failed() const { return failed_.load(); }
  std::uint64_t chunks_resent() const { return resent_.load(); }
  std::uint64_t events_dropped() const { return events_dropped_.load(); }
  std::uint64_t requests_refused() const { return requests_refused_.count(); }
  std::uint64_t not_owner_replies() const { return not_owner_.load(); }
  std::uint64_t acks_refused() const { return acks_refused_.count(); }

 private:
  struct job {
    protocol::logs_request request;
    std::deque<std::string> files;
  };

  void subscribe(mqtt_session::dispatcher& inbound);
  void submit_request(protocol::logs_request request);
  void submit_ack(protocol::logs_ack ack);
  // A master's retained status: requests of a master that is not online
  // are ignored; the live ones share the nodes.
  void master_state(const protocol::master_status& status);
  // The owner of this node if it is not `master` (empty: `master` may be
  // served; also while no master's status is known, as before masters beat).
  std::optional<std::string> other_owner(const std::string& master) const;
  bool master_live(const std::string& master) const;
  // Ends the job at once if its master is gone (another is live).
  void drop_job_of_gone_master();
  void reply_not_owner(const protocol::logs_request& request, const std::string& owner);
  void run(std::stop_token stop);
  void on_request(protocol::logs_request request);
  void on_ack(const protocol::logs_ack& ack);
  void begin_job(protocol::logs_request request);
  void next_transfer();
  // The digests of spool file `name`: the spool's, the prefetched ones, or read now.
  result<file_digests> digests_of(const std::string& name);
  // The name `name` is announced under to the job's master: without `.zst`
  // for a master that takes only plain files (it gets them decompressed).
  std::string wire_name(const protocol::logs_request& request, const std::string& name) const;
  // Opens what is sent of spool file `name` and fills `begin`'s size, digests
  // and encoding: the file itself, or (for a plain-only master and a .zst
  // file) its decompressed copy in an unnamed temporary file.
  result<unique_fd> open_for_sending(const std::string& name, protocol::upload_begin& begin);
  void prefetch_next_sha();
  void execute(const std::vector<transfer_action>& actions);
  // REQUIRES: machine_ is no longer running.
  void finish_transfer();
  // Logs and sends the one reply of `request`.
  void reply(const protocol::logs_request& request, protocol::reply_status status,
             std::vector<std::string> files = {}, std::string reason = {});
  // Sends `r`, answering `request`'s `confirm`.
  void send_reply(protocol::logs_reply r, const protocol::logs_request& request);
  // Deletes the spool files whose `complete` was recorded before a crash.
  void finish_recorded_deletions();
  bool master_gone(const std::string& master) const;

  // Constant after construction
  const uploader_settings settings_;
  spool& spool_;
  mqtt_session::session& session_;
  const protocol::topic_scheme& topics_;

  bounded_queue<std::variant<protocol::logs_request, protocol::logs_ack>> events_;
  mutable mutex masters_mu_;
  protocol::masters_view masters_view_ GUARDED_BY(masters_mu_);

  // Owned by the uploader thread
  std::optional<job> job_;
  completion_log completions_;
  request_queue queue_;
  std::optional<transfer_machine> machine_;
  std::string transfer_id_;
  std::string transfer_file_;
  protocol::stored_file_ref transfer_sent_;  // the name and digest announced
  std::string complete_store_;               // of the `complete` that ended it
  unique_fd transfer_fd_;
  std::uint64_t transfer_size_ = 0;
  std::string begin_payload_;  // kept for go-back-N from the start
  // The sha256 of the job's next file, hashed while the current one streams
  // (a file found at start-up has no digest from the spool yet).
  std::string next_name_;
  std::future<result<file_digests>> next_sha_;
  std::uint64_t transfer_counter_ = 0;

  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> resent_{0};
  std::atomic<std::uint64_t> events_dropped_{0};
  std::atomic<std::uint64_t> not_owner_{0};
  refusal_counter requests_refused_{"request"};
  refusal_counter acks_refused_{"logs ack"};
  std::jthread thread_;
};

}  // namespace peranda::agent
