// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/logs_request.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"

namespace peranda::protocol {
std::string encode(const logs_request& m) {
  auto doc = make_envelope();
  doc["request_id"] = m.request_id;
  doc["master_id"] = m.master_id;
  doc["files"] = m.files;
  doc["chunk_size"] = m.chunk_size;
  doc["window"] = m.window;
  doc["deadline"] = m.deadline_ms;
  doc["ts"] = m.ts_ms;
  return dump_json(doc);
}

result<logs_request> decode_logs_request(std::string_view payload) {
  auto doc = parse_object(payload, "logs request");
  if (!doc) return std::unexpected(doc.error());
  logs_request m;
  field_reader r(*doc, "logs request");
  r.id("request_id", m.request_id, validate_token_id);
  r.id("master_id", m.master_id, validate_node_id);
  r.id_list("files", m.files, k_max_files_per_request, validate_file_name);
  r.uint("chunk_size", m.chunk_size, k_min_chunk_size, k_max_chunk_size);
  r.uint("window", m.window, 1, k_max_window);
  r.uint("deadline", m.deadline_ms, 0, k_max_timestamp);
  r.uint("ts", m.ts_ms, 0, k_max_timestamp);
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
