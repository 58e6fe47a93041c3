// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/logs_request.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"

#include <algorithm>

namespace peranda::protocol {
namespace {

// Names of encodings this release does not know are kept (and ignored):
// a newer master may offer more.
result<void> validate_encoding_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 16 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (ok) return {};
  return failf("'{:.40}' is not an encoding name", name);
}

}  // namespace

bool accepts_encoding(const logs_request& m, std::string_view name) {
  return name == "plain" || std::ranges::find(m.encodings, name) != m.encodings.end();
}

std::string encode(const logs_request& m) {
  auto doc = make_envelope();
  doc["request_id"] = m.request_id;
  doc["master_id"] = m.master_id;
  doc["files"] = m.files;
  doc["chunk_size"] = m.chunk_size;
  doc["window"] = m.window;
  doc["deadline"] = m.deadline_ms;
  doc["ts"] = m.ts_ms;
  if (!m.encodings.empty()) doc["encodings"] = m.encodings;
  if (!m.confirm.empty()) doc["confirm"] = to_json(m.confirm);
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
  r.id_list("encodings", m.encodings, k_max_encodings, validate_encoding_name, false);
  if (auto it = doc->find("confirm"); r.ok() && it != doc->end()) {
    auto refs = stored_file_refs_from(*it, "logs request");
    if (!refs) return std::unexpected(refs.error());
    m.confirm = std::move(*refs);
  }
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
