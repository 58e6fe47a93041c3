// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/compress/encoding.hpp"
#include "core/error.hpp"

namespace peranda::protocol {

// nodes/{node}/logs/upload/{transfer}/begin, agent -> master, QoS 1: the
// manifest. Chunk i carries bytes [i*chunk_size, min(size, (i+1)*chunk_size)).
// chunk_count == ceil(size / chunk_size) (0 for an empty file).
// `size` and `sha256` are of the bytes sent; `raw_size` and `raw_sha256` of
// the log lines they decode to under `encoding` ("plain": the same; an
// agent of an earlier release sends none of the three, which means plain).
struct upload_begin {
  std::string transfer_id;
  std::string request_id;
  std::string master_id;
  std::string node;
  std::string file;
  std::uint64_t size = 0;
  std::string sha256;
  std::uint32_t chunk_size = 0;
  std::uint32_t chunk_count = 0;
  std::uint64_t mtime_ms = 0;
  encoding enc = encoding::plain;
  std::uint64_t raw_size = 0;
  std::string raw_sha256;

  bool operator==(const upload_begin&) const = default;
};

// Number of chunks a file of `size` bytes needs.
[[nodiscard]] std::uint64_t chunk_count_for(std::uint64_t size, std::uint32_t chunk_size);

[[nodiscard]] std::string encode(const upload_begin& m);
[[nodiscard]] result<upload_begin> decode_upload_begin(std::string_view payload);

}  // namespace peranda::protocol
