// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/api_json.hpp"

#include <httplib.h>

#include "core/protocol/json_fields.hpp"

namespace peranda::master {

nlohmann::json to_json(const pull_record& p) {
  auto files = nlohmann::json::object();
  std::uint64_t stored_bytes = 0;
  for (const auto& [name, f] : p.files) {
    files[name] = {{"transfer_id", f.transfer_id},
                   {"finished", f.finished},
                   {"stored", f.stored},
                   {"reason", f.reason},
                   {"size", f.size}};
    if (f.stored) stored_bytes += f.size;
  }
  return {{"request_id", p.request_id},
          {"node", p.node},
          {"status", to_string(p.status)},
          {"finished", p.finished()},
          {"on_demand", p.on_demand},
          {"created", p.created_ms},
          {"sent", p.sent_ms},
          {"ended", p.ended_ms},
          {"expected", p.expected},
          {"files", files},
          {"stored_bytes", stored_bytes},
          {"reason", p.reason}};
}

nlohmann::json to_json(const transfer_view& t) {
  return {{"node", t.node},
          {"transfer_id", t.transfer_id},
          {"request_id", t.request_id},
          {"file", t.file},
          {"size", t.size},
          {"bytes_received", t.bytes_received},
          {"chunks_received", t.chunks_received},
          {"chunk_count", t.chunk_count},
          {"started", t.started_ms},
          {"idle_ms", t.idle_ms}};
}

nlohmann::json to_json(const queue_view& q) {
  return {{"queue", q.index}, {"length", q.nodes.size()}, {"nodes", q.nodes}, {"lag_s", q.lag_s}};
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(protocol::dump_json(body), "application/json");
}

}  // namespace peranda::master
