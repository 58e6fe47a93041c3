// SPDX-License-Identifier: Apache-2.0
#include "core/protocol/messages/upload_end.hpp"

#include "core/protocol/identifiers.hpp"
#include "core/protocol/json_fields.hpp"
#include "core/protocol/topics.hpp"

namespace peranda::protocol {

std::string encode(const upload_end& m) {
  auto doc = make_envelope();
  doc["transfer_id"] = m.transfer_id;
  doc["chunks_sent"] = m.chunks_sent;
  return dump_json(doc);
}

result<upload_end> decode_upload_end(std::string_view payload) {
  auto doc = parse_object(payload, "upload end");
  if (!doc) return std::unexpected(doc.error());
  upload_end m;
  field_reader r(*doc, "upload end");
  r.id("transfer_id", m.transfer_id, validate_token_id);
  r.uint("chunks_sent", m.chunks_sent, 0, topic_scheme::k_max_chunks);
  return r.finish(std::move(m));
}

}  // namespace peranda::protocol
