// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/protocol/messages/file_confirmation.hpp"

namespace peranda::protocol {

// Bounds shared by requests, manifests and acks.
inline constexpr std::uint32_t k_min_chunk_size = 512;
inline constexpr std::uint32_t k_max_chunk_size = 1024 * 1024;
inline constexpr std::uint32_t k_max_window = 64;
inline constexpr std::size_t k_max_files_per_request = 1024;

// nodes/{node}/logs/request, master -> agent, QoS 1. An empty `files` list
// means "every closed spool file". An agent ignores a request whose
// `deadline` has passed (a persistent session may hold old ones).
// `encodings` lists the file encodings the master takes ("plain", "zstd");
// absent (a master of an earlier release) means plain only. `confirm` asks
// who completed files this master stored from the node but never saw it
// delete (at most k_max_confirm; the reply's `confirmations` answer).
struct logs_request {
  std::string request_id;
  std::string master_id;
  std::vector<std::string> files;
  std::uint32_t chunk_size = 64 * 1024;
  std::uint32_t window = 8;
  std::uint64_t deadline_ms = 0;
  std::uint64_t ts_ms = 0;
  std::vector<std::string> encodings;
  std::vector<stored_file_ref> confirm;

  bool operator==(const logs_request&) const = default;
};

inline constexpr std::size_t k_max_encodings = 8;

// Whether the request's master takes files in `name` ("plain" always).
[[nodiscard]] bool accepts_encoding(const logs_request& m, std::string_view name);

[[nodiscard]] std::string encode(const logs_request& m);
[[nodiscard]] result<logs_request> decode_logs_request(std::string_view payload);

}  // namespace peranda::protocol
