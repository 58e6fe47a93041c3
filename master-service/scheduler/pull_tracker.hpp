// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/messages/logs_reply.hpp"
#include "core/util/mutex.hpp"
#include "master-service/metrics/counters.hpp"
#include "master-service/receiver/receiver.hpp"

namespace peranda::master {

// queued: waiting for its worker (node not pullable yet, or capacity);
// sent: published, no answer yet; accepted: the agent is uploading `files`;
// the rest are final.
enum class pull_status {
  queued,
  sent,
  accepted,
  done,
  empty,
  busy,
  not_found,
  expired,
  failed,
  timed_out,
  not_owner  // the agent sees another master as its node's owner
};
std::string_view to_string(pull_status s);

struct pull_file {
  std::string transfer_id;
  bool admitted = false;  // an upload of it began (counted against the quotas)
  bool finished = false;
  bool stored = false;
  std::string reason;
  std::uint64_t size = 0;
};

struct pull_record {
  std::string request_id;
  std::string node;
  pull_status status = pull_status::queued;
  bool on_demand = false;
  std::uint64_t created_ms = 0;
  std::uint64_t sent_ms = 0;
  std::uint64_t ended_ms = 0;  // when it became final (0 while open)
  std::chrono::steady_clock::time_point sent_at{};
  std::chrono::steady_clock::time_point deadline{};
  std::vector<std::string> expected;       // files the agent accepted to send
  std::map<std::string, pull_file> files;  // announced files only, by name
  std::uint64_t admitted_bytes = 0;        // sizes of the files admitted, each once
  std::string reason;

  bool finished() const;
};

// Bytes one node may upload (master_config's max_pull_bytes and
// max_daily_bytes): what a node announces decides nothing beyond them.
struct upload_quota {
  std::uint64_t per_pull = 4ull << 30;
  std::uint64_t per_day = 32ull << 30;
};

// Every pull this master asked for, from creation to its final status: the
// agent's reply, the transfers it led to, or its deadline. Open pulls bound
// what the master invites (one transfer at a time per pull) and accepts:
// admit_upload() is the only way an upload begins. Keeps the last 1000
// finished ones for the API. Thread-safe.
class pull_tracker {
 public:
  using clock = std::chrono::steady_clock;

  explicit pull_tracker(master_metrics& metrics, upload_quota quota = {});

  // Called, outside the tracker's lock, when a reply, a transfer's outcome
  // or expire() ended a sent pull: its transfer slot is free for the next
  // pick. Not for mark_failed(): its caller (the scheduler) knows already.
  // REQUIRES: before the tracker is used from other threads.
  void on_slot_freed(std::function<void()> freed) { slot_freed_ = std::move(freed); }

  // A new pull of `node` in state queued; returns its request id.
  std::string create(const std::string& node, bool on_demand);
  void mark_sent(const std::string& request_id, clock::time_point deadline);
  // Final without an answer (e.g. the publish failed).
  void mark_failed(const std::string& request_id, std::string reason);
  // REQUIRES: reply.master_id is this master's. Replies to unknown
  // requests or from another node are ignored; returns false then.
  bool on_reply(const std::string& node, const protocol::logs_reply& reply);
  // Outcomes of files the pull did not announce, or a refusal of a file
  // already stored, are ignored.
  void on_transfer(const transfer_outcome& outcome);
  // Whether `node` may begin uploading `file` (`size` bytes) for
  // `request_id`: only for its own open pull that the agent accepted, only
  // a file the reply announced and not finished in this pull yet, within
  // the quotas (the UTC day of `wall_ms` for per_day). An admitted file
  // counts against both quotas once, whatever becomes of its transfer.
  std::optional<upload_refusal> admit_upload(const std::string& node, const std::string& request_id,
                                             const std::string& file, std::uint64_t size,
                                             std::uint64_t wall_ms);
  // Whether `request_id` is an open (sent or accepted) pull of `node`.
  bool is_open(std::string_view node, std::string_view request_id) const;
  // Open pulls past their deadline, and sent ones without a reply for
  // `reply_timeout`, become timed_out (so a silent agent holds no capacity
  // for long); old finished ones are forgotten.
  void expire(clock::time_point now, clock::duration reply_timeout);
  // The registry forgot `node`: its last success and not_owner streak go.
  void forget(std::string_view node);

  std::optional<pull_record> find(std::string_view request_id) const;
  // An open (not final) pull of `node`, if any.
  std::optional<std::string> open_for(std::string_view node) const;
  std::size_t open_sent() const;  // sent or accepted
  // When a pull of `node` last ended well (done or empty).
  std::optional<clock::time_point> last_success(std::string_view node) const;
  // How many pulls of `node` in a row the agent answered not_owner, and
  // when the last one came; a pull ending otherwise resets it.
  struct not_owner_streak {
    unsigned count = 0;
    clock::time_point last{};
  };
  not_owner_streak not_owner_of(std::string_view node) const;
  std::vector<pull_record> recent() const;

 private:
  // The bodies of on_reply() and on_transfer().
  bool apply_reply(const std::string& node, const protocol::logs_reply& reply) REQUIRES(mu_);
  void apply_transfer(const transfer_outcome& outcome) REQUIRES(mu_);
  // Calls slot_freed_ if the open pulls fell below `open_before`.
  void report_freed(std::size_t open_before, std::size_t open_after) const EXCLUDES(mu_);
  void settle(pull_record& r, pull_status status) REQUIRES(mu_);
  void check_done(pull_record& r) REQUIRES(mu_);
  void prune() REQUIRES(mu_);

  // Constant after construction
  const std::uint64_t epoch_;
  master_metrics& metrics_;
  const upload_quota quota_;
  std::function<void()> slot_freed_;  // set before use

  mutable mutex mu_;
  std::uint64_t counter_ GUARDED_BY(mu_) = 0;
  std::map<std::string, pull_record, std::less<>> pulls_ GUARDED_BY(mu_);
  std::deque<std::string> finished_order_ GUARDED_BY(mu_);
  std::map<std::string, clock::time_point, std::less<>> last_success_ GUARDED_BY(mu_);
  // Only nodes whose last pull ended not_owner; like last_success_, at most
  // one entry per node the registry knows (forget()).
  std::map<std::string, not_owner_streak, std::less<>> not_owner_ GUARDED_BY(mu_);
  // Node -> request id of its sent or accepted pull: the scheduler asks
  // for both on every pick, so neither may scan pulls_.
  std::map<std::string, std::string, std::less<>> open_ GUARDED_BY(mu_);
  struct daily_use {
    std::uint64_t day = 0;  // UTC days since the epoch
    std::uint64_t bytes = 0;
  };
  std::map<std::string, daily_use, std::less<>> daily_ GUARDED_BY(mu_);  // by node
};

}  // namespace peranda::master
