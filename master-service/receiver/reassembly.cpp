// SPDX-License-Identifier: Apache-2.0
#include "master-service/receiver/reassembly.hpp"

#include <algorithm>

namespace peranda::master {

reassembly::reassembly(protocol::upload_begin manifest, std::string master_id, std::uint32_t window)
    : manifest_(std::move(manifest)),
      master_id_(std::move(master_id)),
      window_(std::max<std::uint32_t>(window, 1)),
      received_(manifest_.chunk_count, false) {}

std::uint64_t reassembly::chunk_length(std::uint32_t index) const {
  std::uint64_t start = std::uint64_t{index} * manifest_.chunk_size;
  return std::min<std::uint64_t>(manifest_.chunk_size, manifest_.size - start);
}

result<std::uint64_t> reassembly::offset_of(std::uint32_t index, std::size_t size) const {
  if (index >= manifest_.chunk_count) {
    return failf("chunk {} is past the announced count {}", index, manifest_.chunk_count);
  }
  if (size != chunk_length(index)) {
    return failf("chunk {} has {} bytes, the manifest announces {}", index, size,
                 chunk_length(index));
  }
  return std::uint64_t{index} * manifest_.chunk_size;
}

std::optional<protocol::logs_ack> reassembly::duplicate(std::uint32_t index) {
  bool rewind = index <= last_index_;
  last_index_ = index;
  if (!rewind) return std::nullopt;
  acked_next_ = next_;
  return progress();
}

std::optional<protocol::logs_ack> reassembly::record(std::uint32_t index) {
  if (index >= received_.size() || received_[index]) return std::nullopt;
  received_[index] = true;
  last_index_ = index;
  ++count_;
  bytes_ += chunk_length(index);
  // A chunk beyond the highest one seen, with a gap before it: a new hole.
  bool new_hole = index > highest_;
  highest_ = std::max(highest_, index + 1);
  while (next_ < received_.size() && received_[next_]) ++next_;
  // Ack when `next` moved window/2 past the last ack (so an agent with a
  // full window is never left waiting), on a new hole, and at the end.
  bool advanced = next_ - acked_next_ >= std::max<std::uint32_t>(window_ / 2, 1);
  if (!all_received() && !new_hole && !advanced) return std::nullopt;
  acked_next_ = next_;
  return progress();
}

std::optional<protocol::logs_ack> reassembly::on_end() const {
  if (all_received()) return std::nullopt;
  auto ack = make(protocol::ack_status::missing);
  ack.missing = holes(manifest_.chunk_count);
  return ack;
}

protocol::logs_ack reassembly::progress() const {
  auto ack = make(protocol::ack_status::progress);
  ack.window = window_;
  ack.missing = holes(highest_);
  return ack;
}

protocol::logs_ack reassembly::complete() const {
  auto ack = make(protocol::ack_status::complete);
  ack.sha256 = manifest_.sha256;
  return ack;
}

protocol::logs_ack reassembly::rejected(std::string reason) const {
  auto ack = make(protocol::ack_status::rejected);
  ack.reason = std::move(reason);
  return ack;
}

protocol::logs_ack reassembly::make(protocol::ack_status status) const {
  protocol::logs_ack ack;
  ack.transfer_id = manifest_.transfer_id;
  ack.master_id = master_id_;
  ack.status = status;
  ack.next = next_;
  return ack;
}

std::vector<std::uint32_t> reassembly::holes(std::uint32_t below) const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = next_; i < below && out.size() < protocol::logs_ack::k_max_missing; ++i) {
    if (!received_[i]) out.push_back(i);
  }
  return out;
}

}  // namespace peranda::master
