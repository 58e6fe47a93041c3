// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/receiver.hpp"

#include "core/fs/sha256.hpp"
#include "master-service/receiver/compressed_check.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "core/util/clock.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.receiver");
  return l;
}

// Whether a received part file holds the manifest's bytes (read back).
bool same_bytes(const std::filesystem::path& path, const protocol::upload_begin& m) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  if (std::filesystem::file_size(path, ec) != m.size || ec) return false;
  auto hash = sha256_file_hex(path);
  return hash && *hash == m.sha256;
}

// Whether the manifest's zstd bytes are stored decompressed.
bool stores_plain(const master_config& config, const protocol::upload_begin& m) {
  return m.enc == encoding::zstd && !config.store_compressed;
}

// Size and sha256 of the file as stored.
std::pair<std::uint64_t, std::string> stored_digest(const master_config& config,
                                                    const protocol::upload_begin& m) {
  if (stores_plain(config, m)) return {m.raw_size, m.raw_sha256};
  return {m.size, m.sha256};
}

// Finished and foreign transfers remembered at most (per kind).
constexpr std::size_t k_max_remembered = 10'000;

template <class Map, class Value>
void remember_bounded(Map& map, std::deque<std::string>& order, const std::string& k, Value v) {
  if (map.insert_or_assign(k, std::move(v)).second) order.push_back(k);
  while (order.size() > k_max_remembered) {
    map.erase(order.front());
    order.pop_front();
  }
}

}  // namespace

receiver::receiver(const master_config& config, const storage_layout& layout,
                   unconfirmed_ledger& unconfirmed, master_metrics& metrics, ack_sink send_ack,
                   outcome_sink finished, ip_lookup ip_of, admission admit, pull_check pull_open)
    : config_(config),
      layout_(layout),
      unconfirmed_(unconfirmed),
      metrics_(metrics),
      send_ack_(std::move(send_ack)),
      finished_sink_(std::move(finished)),
      ip_of_(std::move(ip_of)),
      admit_(std::move(admit)),
      pull_open_(std::move(pull_open)),
      digests_(metrics.stored_file_hashes) {}

std::optional<std::filesystem::path> receiver::stored_copy(const std::filesystem::path& final,
                                                           const protocol::upload_begin& m) {
  auto [size, sha] = stored_digest(config_, m);
  for (const auto& path : {final, storage_layout::alternate_path(final, sha)}) {
    if (digests_.digest(path, size) == sha) return path;
  }
  return std::nullopt;
}

std::optional<upload_refusal> receiver::refusal(const std::string& node,
                                                const protocol::upload_begin& m) const {
  if (m.size > config_.max_file_size) {
    return upload_refusal{"too_large", fmt::format("file of {} bytes exceeds max_file_size {}",
                                                   m.size, config_.max_file_size)};
  }
  if (m.raw_size > config_.max_file_size) {
    return upload_refusal{"too_large", fmt::format("file of {} raw bytes exceeds max_file_size {}",
                                                   m.raw_size, config_.max_file_size)};
  }
  if (m.enc == encoding::zstd && !config_.accepts(encoding::zstd)) {
    return upload_refusal{"encoding_refused",
                          "zstd is not in this master's accept_encodings (it asked for plain)"};
  }
  // The stored name says what the file holds.
  if (encoding_of(m.file) != m.enc) {
    return upload_refusal{"bad_encoding",
                          fmt::format("file '{}' is sent as {}: a zstd file's name ends in .zst, "
                                      "a plain one's does not",
                                      m.file, to_string(m.enc))};
  }
  // Every request carries the master's chunk_size. Smaller chunks would
  // spend more of the upload queue's message bound (shared by all nodes)
  // per byte than the master planned for.
  if (m.chunk_size != config_.chunk_size) {
    return upload_refusal{"bad_chunk_size", fmt::format("chunk_size {} is not the requested {}",
                                                        m.chunk_size, config_.chunk_size)};
  }
  // One transfer per node: its slot is its pull's, and a node cannot hold more.
  auto prefix = node + '/';
  if (auto it = transfers_.lower_bound(prefix);
      it != transfers_.end() && it->first.starts_with(prefix)) {
    return upload_refusal{"node_busy", fmt::format("busy: transfer '{}' of this node is running",
                                                   it->second.state.manifest().transfer_id)};
  }
  if (transfers_.size() >= config_.max_transfers) {
    return upload_refusal{"too_many_transfers",
                          fmt::format("busy: {} transfers already running", transfers_.size())};
  }
  return admit_(m);
}

class receiver::delivery {
 public:
  explicit delivery(receiver& r) : r_(r) {}
  ~delivery() { r_.deliver(); }
  delivery(const delivery&) = delete;
  delivery& operator=(const delivery&) = delete;

 private:
  receiver& r_;
};

void receiver::queue_ack(const std::string& node, const protocol::logs_ack& ack) {
  outgoing_.push_back({node, ack, std::nullopt});
}

void receiver::deliver() {
  lock_guard order(deliver_mu_);
  std::vector<outgoing> out;
  {
    lock_guard lock(mu_);
    out.swap(outgoing_);
  }
  for (const auto& o : out) {
    if (o.ack) send_ack_(o.node, *o.ack);
    if (o.outcome) finished_sink_(*o.outcome);
  }
}

void receiver::on_begin(const std::string& node, const std::string& transfer_id,
                        std::string_view payload, clock::time_point now) {
  auto manifest = protocol::decode_upload_begin(payload);
  delivery sends(*this);
  lock_guard lock(mu_);
  if (!manifest) {
    metrics_.rejected_messages.reject("bad_upload_begin", manifest.error().message);
    return reject_unknown(node, transfer_id, "", "", "bad_manifest", manifest.error().message, now);
  }
  if (manifest->master_id != config_.id) {
    // Another master's transfer: not ours to judge, nor to count as invalid.
    remember_bounded(foreign_, foreign_order_, node + '/' + transfer_id, now);
    return;
  }
  if (manifest->node != node || manifest->transfer_id != transfer_id) {
    metrics_.rejected_messages.reject(
        "upload_id_mismatch",
        fmt::format("begin on node '{}' transfer '{}' names node "
                    "'{}' transfer '{}'",
                    node, transfer_id, manifest->node, manifest->transfer_id));
    return reject_unknown(node, transfer_id, "", "", "id_mismatch",
                          "manifest node/transfer differ from the topic", now);
  }
  begin_locked(node, transfer_id, std::move(*manifest), now);
}

void receiver::begin_locked(const std::string& node, const std::string& transfer_id,
                            protocol::upload_begin manifest, clock::time_point now) {
  key k = node + '/' + transfer_id;
  if (auto it = transfers_.find(k); it != transfers_.end()) {
    // A repeat is answered (within the node's budget: it could be sent in
    // a loop) but is no progress: it does not keep the slot.
    if (it->second.state.manifest() == manifest)
      return answer(node, it->second.state.progress(), now);
    return reject(it, "manifest_changed", "a repeated begin announced a different file");
  }
  if (repeat_finished(node, k, now)) return;
  if (auto no = refusal(node, manifest)) {
    return reject_unknown(node, transfer_id, manifest.request_id, manifest.file, no->label,
                          std::move(no->reason), now);
  }
  reassembly state(manifest, config_.id, config_.window);
  auto started_ms = wall_clock_ms();
  auto ip = ip_of_(node);
  auto final = layout_.final_path(
      node, ip, stores_plain(config_, manifest) ? plain_name(manifest.file) : manifest.file,
      started_ms);
  if (!final) {
    // A master that just started can get a begin queued for it before the
    // node's retained heartbeat: the agent keeps its file for the next pull.
    return reject_unknown(node, transfer_id, manifest.request_id, manifest.file,
                          ip.empty() ? "unknown_ip" : "bad_path", final.error().message, now);
  }
  if (auto copy = stored_copy(*final, manifest)) {
    log()->info("'{}' from '{}' is already stored as '{}'", manifest.file, node, copy->string());
    if (auto ok = watch_until_confirmed(manifest, *copy); !ok) {
      return reject_unknown(node, transfer_id, manifest.request_id, manifest.file,
                            "storage_error", "master cannot record: " + ok.error().message, now);
    }
    metrics_.transfers.add("duplicate");
    return finish(node, state.complete(),
                  {node, manifest.request_id, transfer_id, manifest.file, true, "", manifest.size},
                  now);
  }
  auto dir = layout_.ensure_durable_directory(final->parent_path());
  auto part = dir ? part_file::create(storage_layout::part_path(*final, config_.id, transfer_id))
                  : result<part_file>(std::unexpected(dir.error()));
  if (!part) {
    log()->error("cannot store '{}' from '{}': {}", manifest.file, node, part.error().message);
    return reject_unknown(node, transfer_id, manifest.request_id, manifest.file, "storage_error",
                          "master cannot write: " + part.error().message, now);
  }
  auto [it, _] = transfers_.emplace(
      k, transfer{std::move(state), std::move(*part), *final, now, started_ms, false, {}, 0});
  log()->debug("transfer '{}' of '{}' from '{}' began ({} bytes)", transfer_id,
               it->second.state.manifest().file, node, it->second.state.manifest().size);
  if (it->second.state.manifest().chunk_count == 0) return;  // empty file: wait for end
  queue_ack(node, it->second.state.progress());
}

void receiver::on_chunk(const std::string& node, const std::string& transfer_id,
                        std::uint32_t index, std::string_view bytes, clock::time_point now) {
  delivery sends(*this);
  lock_guard lock(mu_);
  key k = node + '/' + transfer_id;
  auto it = transfers_.find(k);
  if (it == transfers_.end()) {
    if (foreign_.contains(k) || repeat_finished(node, k, now)) return;
    metrics_.rejected_messages.reject(
        "unknown_transfer",
        fmt::format("chunk {} of unknown transfer '{}' from '{}'", index, transfer_id, node));
    return reject_unknown(node, transfer_id, "", "", "unknown_transfer",
                          "unknown transfer (no begin seen; master restarted?)", now);
  }
  auto& t = it->second;
  auto offset = t.state.offset_of(index, bytes.size());
  if (!offset) {
    metrics_.rejected_messages.reject("bad_chunk", offset.error().message);
    return reject(it, "bad_chunk", offset.error().message);
  }
  if (t.state.has(index)) {
    // Already written, and no progress: answered within the node's budget.
    if (auto ack = t.state.duplicate(index)) answer(node, *ack, now);
    return;
  }
  t.last_activity = now;
  if (auto ok = t.file.write_at(*offset, bytes); !ok) {
    log()->error("{}", ok.error().message);
    return reject(it, "storage_error", "master cannot write: " + ok.error().message);
  }
  if (index == t.hashed) {
    t.hash.update(bytes);
    ++t.hashed;
  }
  auto ack = t.state.record(index);
  if (t.state.all_received() && t.end_seen) return finalize(it);
  if (ack) queue_ack(node, *ack);
}

void receiver::on_end(const std::string& node, const std::string& transfer_id,
                      std::string_view payload, clock::time_point now) {
  auto end = protocol::decode_upload_end(payload);
  delivery sends(*this);
  lock_guard lock(mu_);
  key k = node + '/' + transfer_id;
  if (!end) {
    metrics_.rejected_messages.reject("bad_upload_end", end.error().message);
    return;
  }
  auto it = transfers_.find(k);
  if (it == transfers_.end()) {
    if (foreign_.contains(k) || repeat_finished(node, k, now)) return;
    metrics_.rejected_messages.reject(
        "unknown_transfer",
        fmt::format("end of unknown transfer '{}' from '{}'", transfer_id, node));
    return reject_unknown(node, transfer_id, "", "", "unknown_transfer",
                          "unknown transfer (no begin seen; master restarted?)", now);
  }
  bool repeat = it->second.end_seen;
  if (!repeat) it->second.last_activity = now;  // only the first end is progress
  it->second.end_seen = true;
  if (auto missing = it->second.state.on_end()) {
    // A repeated end could be sent in a loop: its answers are budgeted.
    return repeat ? answer(node, *missing, now) : queue_ack(node, *missing);
  }
  finalize(it);
}

void receiver::on_oversized_chunk(const std::string& node, const std::string& transfer_id,
                                  std::size_t size, clock::time_point) {
  delivery sends(*this);
  lock_guard lock(mu_);
  metrics_.rejected_messages.reject(
      "oversized_chunk", fmt::format("chunk of {} bytes for transfer '{}' from '{}' exceeds "
                                     "chunk_size {}",
                                     size, transfer_id, node, config_.chunk_size));
  auto it = transfers_.find(node + '/' + transfer_id);
  if (it == transfers_.end()) return;
  reject(it, "oversized_chunk",
         fmt::format("a chunk of {} bytes exceeds chunk_size {}", size, config_.chunk_size));
}

void receiver::finalize(transfer_map::iterator it) {
  auto& t = it->second;
  const auto& m = t.state.manifest();
  if (auto ok = t.file.sync_and_close(); !ok) {
    return reject(it, "storage_error", "master cannot write: " + ok.error().message);
  }
  const std::filesystem::path part = t.file.path();
  bool intact = t.hashed == m.chunk_count ? t.hash.finish_hex() == m.sha256 : same_bytes(part, m);
  if (!intact) {
    auto hash = sha256_file_hex(part);
    log()->warn("transfer '{}' of '{}' from '{}': sha256 {} does not match the manifest's {}",
                m.transfer_id, m.file, m.node, hash ? *hash : hash.error().message, m.sha256);
    return reject(it, "bad_sha256", "sha256 or size of the received bytes does not match");
  }
  // What is stored: the received bytes, or the lines they decompress to.
  auto source = part;
  if (m.enc == encoding::zstd) {
    std::optional<std::filesystem::path> plain;
    if (stores_plain(config_, m))
      plain = storage_layout::part_path(t.final_path, config_.id, m.transfer_id + "-plain");
    if (auto bad = verify_compressed(part, m, plain)) {
      log()->warn("transfer '{}' of '{}' from '{}': {}", m.transfer_id, m.file, m.node,
                  bad->reason);
      return reject(it, bad->label, std::move(bad->reason));
    }
    if (plain) {
      t.file.discard();
      source = *plain;
    }
  }
  auto [stored_size, stored_sha] = stored_digest(config_, m);
  auto copy = stored_copy(t.final_path, m);
  // Recorded before the rename: a crash right after it leaves a copy the
  // node never saw completed, which the next start still knows to check.
  if (auto ok = watch_until_confirmed(m, copy.value_or(t.final_path)); !ok) {
    std::error_code ec;
    if (source != part) std::filesystem::remove(source, ec);
    return reject(it, "storage_error", "master cannot record: " + ok.error().message);
  }
  if (copy) {
    t.file.discard();
    std::error_code ec;
    std::filesystem::remove(source, ec);
    metrics_.transfers.add("duplicate");
  } else {
    auto target = storage_layout::store(source, t.final_path, stored_sha);
    if (!target) {
      std::error_code ec;
      std::filesystem::remove(source, ec);
      return reject(it, "storage_error", "master cannot store: " + target.error().message);
    }
    digests_.remember(*target, stored_sha);
    if (*target != t.final_path) (void)watch_until_confirmed(m, *target);
    metrics_.transfers.add("complete");
    metrics_.bytes_stored += stored_size;
    ++metrics_.files_stored;
    log()->info("stored '{}' from '{}' ({} bytes) as '{}'", m.file, m.node, m.size,
                target->string());
  }
  auto node = m.node;
  transfer_outcome outcome{node, m.request_id, m.transfer_id, m.file, true, "", m.size};
  auto ack = t.state.complete();
  auto now = t.last_activity;
  transfers_.erase(it);
  finish(node, ack, std::move(outcome), now);
}

void receiver::reject(transfer_map::iterator it, std::string_view label, std::string reason) {
  auto& t = it->second;
  const auto& m = t.state.manifest();
  t.file.discard();
  metrics_.transfers_rejected.add(label);
  metrics_.transfers.add("rejected");
  log()->warn("rejected transfer '{}' of '{}' from '{}': {}", m.transfer_id, m.file, m.node,
              reason);
  auto node = m.node;
  transfer_outcome outcome{node, m.request_id, m.transfer_id, m.file, false, reason, m.size};
  auto ack = t.state.rejected(std::move(reason));
  auto now = t.last_activity;
  transfers_.erase(it);
  finish(node, ack, std::move(outcome), now);
}

void receiver::reject_unknown(const std::string& node, const std::string& transfer_id,
                              const std::string& request_id, const std::string& file,
                              std::string_view label, std::string reason, clock::time_point now) {
  metrics_.transfers_rejected.add(label);
  protocol::logs_ack ack;
  ack.transfer_id = transfer_id;
  ack.master_id = config_.id;
  ack.status = protocol::ack_status::rejected;
  ack.reason = reason;
  finish(node, ack, {node, request_id, transfer_id, file, false, std::move(reason), 0}, now, true);
}

result<void> receiver::watch_until_confirmed(const protocol::upload_begin& m,
                                             const std::filesystem::path& stored) {
  auto [_, stored_sha] = stored_digest(config_, m);
  return unconfirmed_.record({m.node, m.file, m.sha256, std::filesystem::absolute(stored).string(),
                              stored_sha, wall_clock_ms()});
}

void receiver::finish(const std::string& node, protocol::logs_ack ack, transfer_outcome outcome,
                      clock::time_point now, bool budgeted) {
  if (ack.status == protocol::ack_status::complete) ack.store = unconfirmed_.store_id();
  remember_bounded(finished_, finished_order_, node + '/' + ack.transfer_id, finished{ack, now});
  gate_.close(node, ack.transfer_id);
  if (budgeted) {
    answer(node, ack, now);
  } else {
    queue_ack(node, ack);
  }
  if (!outcome.request_id.empty()) outgoing_.push_back({node, std::nullopt, std::move(outcome)});
}

bool receiver::repeat_finished(const std::string& node, const key& k, clock::time_point now) {
  auto it = finished_.find(k);
  if (it == finished_.end()) return false;
  answer(node, it->second.ack, now);
  return true;
}

void receiver::answer(const std::string& node, const protocol::logs_ack& ack,
                      clock::time_point now) {
  if (gate_.spend_answer(node, now)) return queue_ack(node, ack);
  metrics_.rejected_messages.reject(
      "ack_budget_spent", fmt::format("no more answers to '{}' for transfers it does not run "
                                      "(transfer '{}')",
                                      node, ack.transfer_id));
}

void receiver::expire(clock::time_point now) {
  delivery sends(*this);
  lock_guard lock(mu_);
  for (auto it = transfers_.begin(); it != transfers_.end();) {
    auto next = std::next(it);
    const auto& m = it->second.state.manifest();
    if (now - it->second.last_activity >= config_.transfer_idle_timeout) {
      reject(it, "idle_timeout", "no progress for transfer_idle_timeout; partial file dropped");
    } else if (!pull_open_(m.node, m.request_id)) {
      reject(it, "pull_closed", "its pull is no longer open; partial file dropped");
    }
    it = next;
  }
  auto keep = std::max<clock::duration>(config_.transfer_idle_timeout, std::chrono::minutes(10));
  std::erase_if(finished_, [&](const auto& e) { return now - e.second.at >= keep; });
  std::erase_if(foreign_, [&](const auto& e) { return now - e.second >= keep; });
  // A key left in an order list would evict the same key remembered again.
  std::erase_if(finished_order_,
                [&](const key& k) REQUIRES(mu_) { return !finished_.contains(k); });
  std::erase_if(foreign_order_, [&](const key& k) REQUIRES(mu_) { return !foreign_.contains(k); });
}

std::vector<transfer_view> receiver::snapshot(clock::time_point now) const {
  lock_guard lock(mu_);
  std::vector<transfer_view> out;
  for (const auto& [k, t] : transfers_) {
    const auto& m = t.state.manifest();
    out.push_back(
        {m.node, m.transfer_id, m.request_id, m.file, m.size, t.state.bytes_received(),
         t.state.chunks_received(), m.chunk_count, t.started_ms,
         std::chrono::duration_cast<std::chrono::milliseconds>(now - t.last_activity).count()});
  }
  return out;
}

std::size_t receiver::active() const {
  lock_guard lock(mu_);
  return transfers_.size();
}

}  // namespace peranda::master
