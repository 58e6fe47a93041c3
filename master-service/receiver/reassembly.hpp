// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/upload_begin.hpp"

namespace peranda::master {

// The bookkeeping of one incoming transfer, without any I/O (Sans-I/O): it
// checks chunks against the manifest, remembers which arrived, and decides
// which ack to send. The receiver does the writing and publishing. Chunks
// may come in any order and more than once. Not thread-safe.
class reassembly {
 public:
  // REQUIRES: `manifest` passed decode_upload_begin (chunk_count consistent).
  reassembly(protocol::upload_begin manifest, std::string master_id, std::uint32_t window);

  const protocol::upload_begin& manifest() const { return manifest_; }

  // Where chunk `index` of `size` bytes goes, or why it breaks the manifest
  // (index past the count, wrong length) — then the transfer is rejected.
  [[nodiscard]] result<std::uint64_t> offset_of(std::uint32_t index, std::size_t size) const;

  bool has(std::uint32_t index) const { return received_[index]; }

  // Records a chunk the caller has written. Returns a `progress` ack when
  // one is due: when `next` advanced by window/2 since the last one, when a
  // chunk opens a new hole (it lists the holes), and when the last chunk
  // arrived.
  std::optional<protocol::logs_ack> record(std::uint32_t index);

  // A chunk that has(): a `progress` ack when it starts a go-back round
  // (its index is not above the last chunk's), else nothing. Without it, an
  // agent whose window is full and whose last ack was lost resends chunks
  // the master holds until it gives up (found by the lossy-channel test);
  // with it, one answer per round, not one per chunk.
  std::optional<protocol::logs_ack> duplicate(std::uint32_t index);

  // The answer to `end`: `missing` while chunks are absent, nullopt when all
  // are there (the caller verifies, stores and acks `complete`).
  std::optional<protocol::logs_ack> on_end() const;

  // A `progress` ack for the current state (after begin, or on request).
  protocol::logs_ack progress() const;

  bool all_received() const { return next_ == manifest_.chunk_count; }
  std::uint32_t chunks_received() const { return count_; }
  std::uint64_t bytes_received() const { return bytes_; }

  // Acks that end a transfer, for the same ids.
  protocol::logs_ack complete() const;
  protocol::logs_ack rejected(std::string reason) const;

 private:
  protocol::logs_ack make(protocol::ack_status status) const;
  // Holes below the highest chunk received, at most logs_ack::k_max_missing.
  std::vector<std::uint32_t> holes(std::uint32_t below) const;
  std::uint64_t chunk_length(std::uint32_t index) const;

  // Constant after construction
  const protocol::upload_begin manifest_;
  const std::string master_id_;
  const std::uint32_t window_;

  std::vector<bool> received_;
  std::uint32_t next_ = 0;     // lowest chunk not received
  std::uint32_t highest_ = 0;  // one past the highest chunk received
  std::uint32_t count_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint32_t acked_next_ = 0;  // `next` of the last progress ack
  std::uint32_t last_index_ = 0;  // of the last chunk recorded or repeated
};

}  // namespace peranda::master
