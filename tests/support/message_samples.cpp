// SPDX-License-Identifier: Apache-2.0
#include "tests/support/message_samples.hpp"

#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/messages/upload_end.hpp"

namespace peranda::test {
namespace {

using namespace peranda::protocol;

template <class Decoder>
message_kind kind(std::string schema, std::string sample, Decoder decoder) {
  return {std::move(schema), std::move(sample),
          [decoder](std::string_view p) { return decoder(p).has_value(); },
          [decoder](std::string_view p) {
            auto r = decoder(p);
            return r ? std::string() : r.error().message;
          }};
}

}  // namespace

const std::vector<message_kind>& all_message_kinds() {
  static const std::vector<message_kind> kinds = [] {
    heartbeat hb{"web-01", "3d1219c7c4c5404aaa1f6d2a48adfda4", "10.0.0.7", "web-01.example",
                 node_state::online, 1795575213, 42, 3600, "0.1.0", 3, 123456,
                 {{"alarms_sent", 5}, {"lines_dropped", 0}}, 1795575213717};
    alarm al{"a1b2c3-7", "web-01", "disk_full", severity::critical, "syslog",
             "kernel: EXT4-fs error: No space left on device", 8812, 2, 1795575213717};
    logs_request rq{"req-1", "master-1", {"spool-000001.log"}, 65536, 8,
                    1795575273717, 1795575213717};
    logs_reply rp{"req-1", "master-1", reply_status::accepted, {"spool-000001.log"}, "",
                  1795575213717};
    upload_begin ub{"t-9", "req-1", "master-1", "web-01", "spool-000001.log", 200000,
                    std::string(64, 'a'), 65536, 4, 1795575213000};
    upload_end ue{"t-9", 4};
    logs_ack ack{"t-9", "master-1", ack_status::progress, 2, 8, {1}, "", ""};
    alarm_ack aa{"master-1", {"a1b2c3-7", "f0c1d2e3"}};
    master_status ms{"master-1", node_state::online, 7, "0.1.0", 1795575213717};
    return std::vector<message_kind>{
        kind("heartbeat", encode(hb), decode_heartbeat),
        kind("alarm", encode(al), decode_alarm),
        kind("logs_request", encode(rq), decode_logs_request),
        kind("logs_reply", encode(rp), decode_logs_reply),
        kind("upload_begin", encode(ub), decode_upload_begin),
        kind("upload_end", encode(ue), decode_upload_end),
        kind("logs_ack", encode(ack), decode_logs_ack),
        kind("alarm_ack", encode(aa), decode_alarm_ack),
        kind("master_status", encode(ms), decode_master_status),
    };
  }();
  return kinds;
}

}  // namespace peranda::test
