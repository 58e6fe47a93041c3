// SPDX-License-Identifier: Apache-2.0
// The topic parser on untrusted topic names: whatever it accepts must be
// rebuilt to the very same topic, and its ids must be valid.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/protocol/identifiers.hpp"
#include "core/protocol/topics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peranda::protocol;
  static const topic_scheme topics;
  std::string_view topic(reinterpret_cast<const char*>(data), size);
  auto parsed = topics.parse(topic);
  if (!parsed) return 0;
  if (!validate_node_id(parsed->owner)) __builtin_trap();
  std::string rebuilt;
  switch (parsed->kind) {
    case topic_kind::heartbeat: rebuilt = topics.heartbeat(parsed->owner); break;
    case topic_kind::alarm: rebuilt = topics.alarm(parsed->owner); break;
    case topic_kind::alarm_ack: rebuilt = topics.alarm_ack(parsed->owner); break;
    case topic_kind::logs_request: rebuilt = topics.logs_request(parsed->owner); break;
    case topic_kind::logs_reply: rebuilt = topics.logs_reply(parsed->owner); break;
    case topic_kind::logs_ack: rebuilt = topics.logs_ack(parsed->owner); break;
    case topic_kind::upload_begin: rebuilt = topics.upload_begin(parsed->owner, parsed->transfer); break;
    case topic_kind::upload_chunk:
      rebuilt = topics.upload_chunk(parsed->owner, parsed->transfer, parsed->index);
      break;
    case topic_kind::upload_end: rebuilt = topics.upload_end(parsed->owner, parsed->transfer); break;
    case topic_kind::master_status: rebuilt = topics.master_status(parsed->owner); break;
  }
  if (rebuilt != topic) __builtin_trap();
  return 0;
}
