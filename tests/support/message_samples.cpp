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

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/protocol/topics.hpp"

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
                 {{"alarms_sent", 5}, {"lines_dropped", 0}}, 1795575213717, {}};
    alarm al{"a1b2c3-7", "web-01", "disk_full", severity::critical, "syslog",
             "kernel: EXT4-fs error: No space left on device", 8812, 2, 1795575213717};
    logs_request rq{"req-1",       "master-1",    {"spool-000001.log"}, 65536, 8,
                    1795575273717, 1795575213717, {"plain", "zstd"},
                    {{"spool-000000.log.zst", std::string(64, 'c')}}};
    logs_reply rp{"req-1",
                  "master-1",
                  reply_status::accepted,
                  {"spool-000001.log"},
                  "",
                  1795575213717,
                  {},
                  std::vector<file_confirmation>{{"spool-000000.log.zst", std::string(64, 'c'),
                                                  confirmation_state::completed, "master-2",
                                                  "0123456789abcdef0123456789abcdef"}}};
    upload_begin ub{"t-9",         "req-1",        "master-1",          "web-01",
                    "spool-000001.log.zst",         200000,              std::string(64, 'a'),
                    65536,         4,              1795575213000,       encoding::zstd,
                    2000000,       std::string(64, 'b')};
    upload_end ue{"t-9", 4};
    logs_ack ack{"t-9", "master-1", ack_status::complete, 4, 8, {}, std::string(64, 'a'), "",
                 "0123456789abcdef0123456789abcdef"};
    alarm_ack aa{"master-1", {"a1b2c3-7", "f0c1d2e3"}, {}, 0};
    master_status ms{"master-1", node_state::online, 7, "0.1.0", 1795575213717, 5000};
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

std::vector<list_case> list_cases() {
  using nlohmann::json;
  struct bounded_list {
    std::string schema, key;
    std::size_t max;
    std::function<json(std::size_t)> item;  // the i-th valid item
    json bad_item;
    bool may_be_empty;
  };
  auto name = [](const char* prefix, const char* suffix) {
    return [=](std::size_t i) { return json(fmt::format("{}{:05}{}", prefix, i, suffix)); };
  };
  const std::vector<bounded_list> lists{
      {"logs_request", "files", k_max_files_per_request, name("spool-", ".log"), "../x", true},
      {"logs_reply", "files", k_max_files_per_request, name("spool-", ".log"), "a/b", true},
      {"logs_ack", "missing", logs_ack::k_max_missing, [](std::size_t i) { return json(i); },
       topic_scheme::k_max_chunks, true},
      {"alarm_ack", "ids", alarm_ack::k_max_ids, name("a", ""), "a b", false},
  };
  std::vector<list_case> out;
  auto add = [&](const message_kind& k, std::string label, const json& doc, bool valid) {
    out.push_back({&k, std::move(label), doc.dump(), valid});
  };
  for (const auto& l : lists) {
    const auto& k = *std::ranges::find(all_message_kinds(), l.schema, &message_kind::schema);
    auto doc = json::parse(k.sample);
    auto with = [&](std::size_t n) {
      auto d = doc;
      d[l.key] = json::array();
      for (std::size_t i = 0; i < n; ++i) d[l.key].push_back(l.item(i));
      return d;
    };
    add(k, l.key + " at its bound", with(l.max), true);
    add(k, l.key + " past its bound", with(l.max + 1), false);
    add(k, l.key + " empty", with(0), l.may_be_empty);
    auto bad = with(1);
    bad[l.key].push_back(l.bad_item);
    add(k, l.key + " with a bad item", bad, false);
  }
  // The heartbeat's counters: a map of at most 64 names.
  const auto& hb = all_message_kinds().front();
  auto counters = [&](std::size_t n) {
    auto d = json::parse(hb.sample);
    d["counters"] = json::object();
    for (std::size_t i = 0; i < n; ++i) d["counters"][fmt::format("c{}", i)] = i;
    return d;
  };
  add(hb, "counters at their bound", counters(64), true);
  add(hb, "counters past their bound", counters(65), false);
  // Names of 64 characters, 128 bytes: the bound is in characters, as in the schema.
  auto named = [&](std::size_t chars) {
    auto d = json::parse(hb.sample);
    std::string name;
    for (std::size_t i = 0; i < chars; ++i) name += "\xc3\xa9";
    d["counters"] = json{{name, 1}};
    return d;
  };
  add(hb, "a counter name of 64 two-byte characters", named(64), true);
  add(hb, "a counter name of 65 two-byte characters", named(65), false);
  // The optional health: at most 8 reasons, `degraded` exactly when some
  // are given, texts bounded in characters.
  auto health = [&](const std::string& status, std::size_t n, const json& reason) {
    auto d = json::parse(hb.sample);
    d["health"] = json{{"status", status}, {"reasons", json::array()}};
    for (std::size_t i = 0; i < n; ++i) d["health"]["reasons"].push_back(reason);
    return d;
  };
  const json reason{{"code", "spool_near_full"}, {"text", "spool at 90 %"}};
  std::string wide;
  for (std::size_t i = 0; i < 256; ++i) wide += "\xc3\xa9";
  add(hb, "health ok", health("ok", 0, reason), true);
  add(hb, "health degraded, 8 reasons", health("degraded", 8, reason), true);
  add(hb, "health degraded, 9 reasons", health("degraded", 9, reason), false);
  add(hb, "health degraded without reasons", health("degraded", 0, reason), false);
  add(hb, "health ok with a reason", health("ok", 1, reason), false);
  add(hb, "health of an unknown status", health("fine", 0, reason), false);
  add(hb, "a health code with '/'", health("degraded", 1, {{"code", "a/b"}, {"text", "t"}}), false);
  add(hb, "a health text of 256 two-byte characters",
      health("degraded", 1, {{"code", "c"}, {"text", wide}}), true);
  add(hb, "a health text of 257 two-byte characters",
      health("degraded", 1, {{"code", "c"}, {"text", wide + "x"}}), false);
  add(hb, "a health reason without text", health("degraded", 1, {{"code", "c"}}), false);
  auto no_status = json::parse(hb.sample);
  no_status["health"] = json{{"reasons", json::array()}};
  add(hb, "health without status", no_status, false);
  return out;
}

}  // namespace peranda::test
