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

#include "core/fs/sha256.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/util/mutex.hpp"
#include "master-service/master_config.hpp"
#include "master-service/metrics/counters.hpp"
#include "master-service/receiver/part_file.hpp"
#include "master-service/receiver/reassembly.hpp"
#include "master-service/receiver/transfer_gate.hpp"
#include "master-service/storage/storage_layout.hpp"
#include "master-service/storage/stored_digests.hpp"
#include "master-service/storage/unconfirmed_ledger.hpp"

namespace peranda::master {

// How a transfer ended, for the pull tracker.
struct transfer_outcome {
  std::string node;
  std::string request_id;
  std::string transfer_id;
  std::string file;
  bool stored = false;  // complete (newly stored or already there)
  std::string reason;   // why it was rejected
  std::uint64_t size = 0;
};

// Why an upload may not begin: `label` a constant (metrics), `reason` the
// text the node gets in its `rejected` ack.
struct upload_refusal {
  std::string label;
  std::string reason;
};

// One transfer as the API shows it.
struct transfer_view {
  std::string node;
  std::string transfer_id;
  std::string request_id;
  std::string file;
  std::uint64_t size = 0;
  std::uint64_t bytes_received = 0;
  std::uint32_t chunks_received = 0;
  std::uint32_t chunk_count = 0;
  std::uint64_t started_ms = 0;
  std::int64_t idle_ms = 0;
};

// Receives uploads (begin, chunks, end) for many transfers at once and
// stores each file durably: chunks go to a per-transfer `.part` file at
// their offset; when all are there and `end` was seen, size and sha256 are
// checked, a zstd file is decompressed as a stream to check raw_size and
// raw_sha256 (bounded by raw_size; stored as received, or decompressed
// with store_compressed = false), the file fsynced, renamed into place
// without replacing anything and the directory fsynced, and only then
// `complete` is acked. A transfer
// begins only when `admit` allows it (an open pull of that node that
// announced the file, within its quotas), one per node at a time, and lives
// only while its pull is open and it makes progress. Everything invalid is
// counted and answered with `rejected`; the receiver never throws on input.
// Thread-safety: the on_* and expire() calls come from one thread (the
// master's upload thread); snapshot(), active() and gate() from any thread.
class receiver {
 public:
  using clock = std::chrono::steady_clock;
  using ack_sink = std::function<void(const std::string& node, const protocol::logs_ack&)>;
  using outcome_sink = std::function<void(const transfer_outcome&)>;
  using ip_lookup = std::function<std::string(std::string_view node)>;
  // nullopt: the upload may begin (pull_tracker::admit_upload).
  using admission = std::function<std::optional<upload_refusal>(const protocol::upload_begin&)>;
  // Whether the pull `request_id` of `node` is still open.
  using pull_check = std::function<bool(const std::string& node, const std::string& request_id)>;

  receiver(const master_config& config, const storage_layout& layout,
           unconfirmed_ledger& unconfirmed, master_metrics& metrics,
           ack_sink send_ack, outcome_sink finished, ip_lookup ip_of, admission admit,
           pull_check pull_open);

  // What the master's claim consults on Paho's thread (see transfer_gate).
  transfer_gate& gate() { return gate_; }
  const unconfirmed_ledger& unconfirmed() const { return unconfirmed_; }

  void on_begin(const std::string& node, const std::string& transfer, std::string_view payload,
                clock::time_point now);
  void on_chunk(const std::string& node, const std::string& transfer, std::uint32_t index,
                std::string_view bytes, clock::time_point now);
  void on_end(const std::string& node, const std::string& transfer, std::string_view payload,
              clock::time_point now);
  // A chunk larger than the transfer's chunk_size, dropped unread by the
  // claim: the transfer (if any) is rejected.
  void on_oversized_chunk(const std::string& node, const std::string& transfer, std::size_t size,
                          clock::time_point now);
  // Drops transfers without progress for transfer_idle_timeout and those
  // whose pull is no longer open (partial file removed, `rejected` sent),
  // and forgets old finished ones.
  void expire(clock::time_point now);

  std::vector<transfer_view> snapshot(clock::time_point now) const;
  std::size_t active() const;

 private:
  struct transfer {
    reassembly state;
    part_file file;
    std::filesystem::path final_path;
    clock::time_point last_activity;
    std::uint64_t started_ms = 0;
    bool end_seen = false;
    // Chunks 0..hashed-1, hashed as they arrived in order (the usual case):
    // then `end` needs no second read of the file.
    sha256 hash;
    std::uint32_t hashed = 0;
  };
  struct outgoing {
    std::string node;
    std::optional<protocol::logs_ack> ack;
    std::optional<transfer_outcome> outcome;
  };
  // Declared before a public call's lock_guard, so destroyed after it:
  // delivers what the call queued.
  class delivery;
  void queue_ack(const std::string& node, const protocol::logs_ack& ack) REQUIRES(mu_);
  void deliver() EXCLUDES(mu_, deliver_mu_);

  // The last ack of a finished transfer, repeated to duplicates.
  struct finished {
    protocol::logs_ack ack;
    clock::time_point at;
  };
  using key = std::string;  // node + '/' + transfer id
  using transfer_map = std::map<key, transfer>;

  void begin_locked(const std::string& node, const std::string& transfer_id,
                    protocol::upload_begin manifest, clock::time_point now) REQUIRES(mu_);
  void finalize(transfer_map::iterator it) REQUIRES(mu_);
  void reject(transfer_map::iterator it, std::string_view label, std::string reason) REQUIRES(mu_);
  // `budgeted`: an answer to a message of no running transfer (see answer()).
  // A `complete` names this master's store.
  void finish(const std::string& node, protocol::logs_ack ack, transfer_outcome outcome,
              clock::time_point now, bool budgeted = false) REQUIRES(mu_);
  // Records `stored` (the file of `m`, stored or about to be) as
  // unconfirmed until the node says who completed it (unconfirmed_ledger).
  result<void> watch_until_confirmed(const protocol::upload_begin& m,
                                     const std::filesystem::path& stored) REQUIRES(mu_);
  bool repeat_finished(const std::string& node, const key& k, clock::time_point now) REQUIRES(mu_);
  // Sends `ack` to a message of no running transfer within the node's
  // answer budget (transfer_gate), else only counts it: a flood of such
  // messages once overflowed Paho's outgoing buffer for every node.
  void answer(const std::string& node, const protocol::logs_ack& ack, clock::time_point now)
      REQUIRES(mu_);
  // Rejects a transfer that has no state here (never began or refused at
  // begin); `request_id` and `file` may be empty (a chunk or end without a
  // begin). The pull learns the outcome under the file's name.
  void reject_unknown(const std::string& node, const std::string& transfer_id,
                      const std::string& request_id, const std::string& file,
                      std::string_view label, std::string reason, clock::time_point now)
      REQUIRES(mu_);
  // Why the manifest may not begin a transfer here, if it may not.
  std::optional<upload_refusal> refusal(const std::string& node,
                                        const protocol::upload_begin& m) const REQUIRES(mu_);
  // An already stored copy of the manifest's file, if any (same size+sha256).
  std::optional<std::filesystem::path> stored_copy(const std::filesystem::path& final,
                                                   const protocol::upload_begin& m) REQUIRES(mu_);

  // Constant after construction
  const master_config& config_;
  const storage_layout& layout_;
  unconfirmed_ledger& unconfirmed_;
  master_metrics& metrics_;
  const ack_sink send_ack_;
  const outcome_sink finished_sink_;
  const ip_lookup ip_of_;
  const admission admit_;
  const pull_check pull_open_;

  transfer_gate gate_;  // thread-safe itself

  mutable mutex mu_;
  transfer_map transfers_ GUARDED_BY(mu_);
  // Both bounded (oldest first out), so a flood of made-up transfer ids
  // cannot grow them without limit.
  std::map<key, finished> finished_ GUARDED_BY(mu_);
  std::deque<key> finished_order_ GUARDED_BY(mu_);
  std::map<key, clock::time_point> foreign_ GUARDED_BY(mu_);  // transfers for another master
  std::deque<key> foreign_order_ GUARDED_BY(mu_);
  stored_digests digests_ GUARDED_BY(mu_);
  // What the sinks are to get, queued under mu_ and delivered once it is
  // let go: a sink takes other locks (the pull tracker's) or waits on Paho.
  std::vector<outgoing> outgoing_ GUARDED_BY(mu_);
  // Keeps deliveries in the order they were queued across threads.
  mutex deliver_mu_ ACQUIRED_BEFORE(mu_);
};

}  // namespace peranda::master
