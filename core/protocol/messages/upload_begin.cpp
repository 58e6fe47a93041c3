// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/upload_begin.hpp"

#include <algorithm>

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/topics.hpp"

namespace peranda::protocol {
std::uint64_t chunk_count_for(std::uint64_t size, std::uint32_t chunk_size) {
  return chunk_size == 0 ? 0 : (size + chunk_size - 1) / chunk_size;
}

std::string encode(const upload_begin& m) {
  auto doc = make_envelope();
  doc["transfer_id"] = m.transfer_id;
  doc["request_id"] = m.request_id;
  doc["master_id"] = m.master_id;
  doc["node"] = m.node;
  doc["file"] = m.file;
  doc["size"] = m.size;
  doc["sha256"] = m.sha256;
  doc["chunk_size"] = m.chunk_size;
  doc["chunk_count"] = m.chunk_count;
  doc["mtime"] = m.mtime_ms;
  doc["encoding"] = to_string(m.enc);
  bool plain = m.enc == encoding::plain;
  doc["raw_size"] = plain ? m.size : m.raw_size;
  doc["raw_sha256"] = plain ? m.sha256 : m.raw_sha256;
  return dump_json(doc);
}

result<upload_begin> decode_upload_begin(std::string_view payload) {
  auto doc = parse_object(payload, "upload begin");
  if (!doc) return std::unexpected(doc.error());
  upload_begin m;
  field_reader r(*doc, "upload begin");
  r.id("transfer_id", m.transfer_id, validate_token_id);
  r.id("request_id", m.request_id, validate_token_id);
  r.id("master_id", m.master_id, validate_node_id);
  r.id("node", m.node, validate_node_id);
  r.id("file", m.file, validate_file_name);
  r.uint("size", m.size, 0, k_max_timestamp);
  r.id("sha256", m.sha256, validate_sha256);
  r.uint("chunk_size", m.chunk_size, k_min_chunk_size, k_max_chunk_size);
  r.uint("chunk_count", m.chunk_count, 0, topic_scheme::k_max_chunks);
  r.uint("mtime", m.mtime_ms, 0, k_max_timestamp);
  r.require(!r.ok() || m.chunk_count == chunk_count_for(m.size, m.chunk_size), "chunk_count",
            "does not equal ceil(size / chunk_size)");
  if (r.ok() && !doc->contains("encoding")) {
    m.raw_size = m.size;
    m.raw_sha256 = m.sha256;
    return r.finish(std::move(m));
  }
  m.enc = encoding::zstd;
  r.choice("encoding", m.enc, {{"plain", encoding::plain}, {"zstd", encoding::zstd}});
  r.uint("raw_size", m.raw_size, 0, k_max_timestamp);
  r.id("raw_sha256", m.raw_sha256, validate_sha256);
  r.require(!r.ok() || m.enc != encoding::plain ||
                (m.raw_size == m.size && m.raw_sha256 == m.sha256),
            "raw_size", "plain bytes must have raw_size == size and raw_sha256 == sha256");
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
