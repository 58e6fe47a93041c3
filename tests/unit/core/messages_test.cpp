// SPDX-License-Identifier: Apache-2.0
#include <random>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "tests/support/message_samples.hpp"

using namespace peranda;
using namespace peranda::protocol;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(messages)

BOOST_AUTO_TEST_CASE(every_kind_round_trips_through_its_decoder) {
  for (const auto& k : test::all_message_kinds()) {
    BOOST_TEST_CONTEXT(k.schema) {
      BOOST_TEST(k.decode_error(k.sample) == "");
    }
  }
  heartbeat hb{"n1", "m1", "::1", "h", node_state::lost, 9, 1, 2, "v", 3, 4, {{"c", 5}}, 6, {}};
  BOOST_TEST((decode_heartbeat(encode(hb)).value() == hb));
  protocol::alarm al{"id-1", "n1", "r1", severity::info, "s1", std::string(4096, 'x'), 1, 2, 3};
  BOOST_TEST((decode_alarm(encode(al)).value() == al));
  logs_ack ack{"t", "m", ack_status::missing, 3, 0, {4, 9}, "", "lost chunks", ""};
  BOOST_TEST((decode_logs_ack(encode(ack)).value() == ack));
  logs_request rq{"r", "m", {}, 512, 64, 10, 9, {}, {}};
  BOOST_TEST((decode_logs_request(encode(rq)).value() == rq));
}

BOOST_AUTO_TEST_CASE(each_required_field_missing_is_named) {
  for (const auto& k : test::all_message_kinds()) {
    auto doc = json::parse(k.sample);
    for (const auto& [key, value] : doc.items()) {
      auto broken = doc;
      broken.erase(key);
      auto why = k.decode_error(broken.dump());
      BOOST_TEST_CONTEXT(k.schema << " without " << key) {
        // Absent in messages of the previous release, which still decode.
        if (key == "encodings" || key == "encoding" || key == "beat_ms" ||
            key == "confirm" || key == "confirmations" || key == "store") {
          BOOST_TEST(why.empty(), why);
          continue;
        }
        BOOST_TEST(!why.empty());
        if (key == "v") {
          BOOST_TEST(why.find("missing field 'v'") != std::string::npos);
        } else {
          BOOST_TEST(why.find("missing field '" + key + "'") != std::string::npos, why);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_types_are_rejected_with_the_field_named) {
  for (const auto& k : test::all_message_kinds()) {
    auto doc = json::parse(k.sample);
    for (const auto& [key, value] : doc.items()) {
      if (key == "v") continue;
      for (json wrong : {json("text"), json(-1), json(1.5), json::array({json::object()}),
                         json(nullptr), json(true)}) {
        if (wrong.type() == value.type()) continue;
        if (value.is_array() && value.empty() && wrong.is_array()) continue;
        auto broken = doc;
        broken[key] = wrong;
        auto why = k.decode_error(broken.dump());
        BOOST_TEST_CONTEXT(k.schema << "." << key << " = " << wrong.dump()) {
          BOOST_TEST(why.find("'" + key + "'") != std::string::npos, why);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(oversize_values_are_rejected) {
  for (const auto& k : test::all_message_kinds()) {
    auto doc = json::parse(k.sample);
    for (const auto& [key, value] : doc.items()) {
      auto broken = doc;
      if (value.is_string()) broken[key] = std::string(5000, 'a');
      else if (value.is_number_unsigned()) broken[key] = std::uint64_t{1} << 60;
      else continue;
      BOOST_TEST_CONTEXT(k.schema << "." << key) { BOOST_TEST(!k.decodes(broken.dump())); }
    }
  }
  // A message over 64 KiB is refused before parsing.
  auto big = json::parse(test::all_message_kinds()[0].sample);
  big["padding"] = std::string(70000, 'p');
  BOOST_TEST(decode_heartbeat(big.dump()).error().message.find("exceeds") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lists_are_bounded_and_checked_item_by_item) {
  for (const auto& c : test::list_cases()) {
    BOOST_TEST_CONTEXT(c.kind->schema << ": " << c.label) {
      BOOST_TEST(c.kind->decodes(c.doc) == c.valid, c.kind->decode_error(c.doc));
    }
  }
  auto empty = test::list_cases()[14];
  BOOST_TEST_REQUIRE(empty.label == "ids empty");
  BOOST_TEST(empty.kind->decode_error(empty.doc) ==
             "alarm ack: field 'ids': must name at least one alarm");
}

BOOST_AUTO_TEST_CASE(schema_version_is_checked) {
  auto doc = json::parse(test::all_message_kinds()[1].sample);
  doc["v"] = 2;
  BOOST_TEST(decode_alarm(doc.dump()).error().message ==
             "alarm: unsupported schema version 2 (expected 1)");
}

BOOST_AUTO_TEST_CASE(cross_field_rules_hold) {
  auto begin = decode_upload_begin(test::all_message_kinds()[4].sample).value();
  begin.chunk_count = 5;  // 200000 bytes in 64 KiB chunks is 4
  BOOST_TEST(decode_upload_begin(encode(begin)).error().message ==
             "upload begin: field 'chunk_count': does not equal ceil(size / chunk_size)");
  begin.file = "../etc/passwd";
  begin.chunk_count = 4;
  BOOST_TEST(!decode_upload_begin(encode(begin)));
  BOOST_TEST(chunk_count_for(0, 512) == 0u);
  BOOST_TEST(chunk_count_for(512, 512) == 1u);
  BOOST_TEST(chunk_count_for(513, 512) == 2u);
}

BOOST_AUTO_TEST_CASE(master_beats_are_bounded_and_optional) {
  master_status ms{"m1", node_state::online, 1, "1", 2, 5000};
  BOOST_TEST(decode_master_status(encode(ms)).value().beat_ms == 5000u);
  ms.beat_ms = 0;  // a master that does not beat: no field
  BOOST_TEST(encode(ms).find("beat_ms") == std::string::npos);
  BOOST_TEST(decode_master_status(encode(ms)).value().beat_ms == 0u);
  auto doc = json::parse(encode(ms));
  doc["beat_ms"] = 1;  // would make a master look gone at once
  BOOST_TEST(!decode_master_status(doc.dump()));
  doc["beat_ms"] = 24 * 3600 * 1000;  // would keep a dead one live for a day
  BOOST_TEST(!decode_master_status(doc.dump()));
}

BOOST_AUTO_TEST_CASE(not_owner_replies_name_the_owner) {
  logs_reply r{"req-1", "m1", reply_status::not_owner, {}, "owned by m2", 1, "m2", {}};
  auto back = decode_logs_reply(encode(r)).value();
  BOOST_TEST((back == r));
  auto doc = json::parse(encode(r));
  doc["owner"] = "../x";
  BOOST_TEST(!decode_logs_reply(doc.dump()));
}

BOOST_AUTO_TEST_CASE(random_bytes_and_mutations_never_crash) {
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const auto& k : test::all_message_kinds()) {
    for (int i = 0; i < 2000; ++i) {
      std::string noise(static_cast<std::size_t>(rng() % 300), '\0');
      for (auto& c : noise) c = static_cast<char>(byte(rng));
      BOOST_TEST(!k.decodes(noise));
      std::string mutated = k.sample;
      for (int flips = 0; flips < 3; ++flips) {
        mutated[rng() % mutated.size()] = static_cast<char>(byte(rng));
      }
      (void)k.decodes(mutated);  // any verdict, but no crash or exception
    }
    BOOST_TEST(!k.decodes(std::string(10000, '[')));
    BOOST_TEST(!k.decodes(""));
    BOOST_TEST(!k.decodes("[]"));
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_a_line_is_replaced_not_thrown) {
  protocol::alarm al{"id-1", "n1", "r1", severity::error, "s1", "bad \xff\xfe bytes", 0, 0, 1};
  auto decoded = decode_alarm(encode(al));
  BOOST_TEST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->line.find("bad ") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
