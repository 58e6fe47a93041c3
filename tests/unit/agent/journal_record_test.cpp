// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/journal_record.hpp"

#include <boost/test/unit_test.hpp>

#include "node-agent/rules/rule_engine.hpp"
#include "node-agent/sources/line_sink.hpp"

using namespace peranda;
using namespace peranda::agent;

BOOST_AUTO_TEST_SUITE(agent_journal_record)

BOOST_AUTO_TEST_CASE(priorities_by_name_alias_and_number) {
  BOOST_TEST(*parse_priority("emerg") == 0);
  BOOST_TEST(*parse_priority("err") == 3);
  BOOST_TEST(*parse_priority("error") == 3);
  BOOST_TEST(*parse_priority("warning") == 4);
  BOOST_TEST(*parse_priority("warn") == 4);
  BOOST_TEST(*parse_priority("debug") == 7);
  BOOST_TEST(*parse_priority("5") == 5);
  for (auto bad : {"", "8", "-1", "Warning", "warning ", "10"}) {
    auto p = parse_priority(bad);
    BOOST_TEST(!p.has_value(), bad);
  }
  BOOST_TEST(parse_priority("loud").error().message.find("unknown priority 'loud'") !=
             std::string::npos);
  BOOST_TEST(priority_name(4) == "warning");
  BOOST_TEST(priority_name(9) == "-");
}

BOOST_AUTO_TEST_CASE(a_record_carries_the_fields_then_the_message) {
  journal_entry e;
  e.message = "upstream timed out";
  e.unit = "nginx.service";
  e.identifier = "my app";  // whitespace would split the fields
  e.pid = "812";
  e.priority = 4;
  e.realtime_us = 1'796'375'144'349'738;
  BOOST_TEST(journal_prefix(e) ==
             "priority=warning unit=nginx.service identifier=my_app pid=812 "
             "time=2026-12-04T09:05:44.349Z message=");
  journal_entry bare;
  BOOST_TEST(journal_prefix(bare) ==
             "priority=- unit=- identifier=- pid=- time=1970-01-01T00:00:00.000Z message=");
  BOOST_TEST(journal_stream_key(e) != journal_stream_key(bare));
}

BOOST_AUTO_TEST_CASE(cursors_name_their_sequence_and_number) {
  auto c = parse_cursor(
      "s=00cae69c34cc410a8f04147bce024b5c;i=1f;b=0123456789abcdef0123456789abcdef;m=3e8;"
      "t=661cb2e5cc02a;x=5a79302af9b7ef62");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->seqnum_id == "00cae69c34cc410a8f04147bce024b5c");
  BOOST_TEST(c->seqnum == 31u);
  BOOST_TEST(!parse_cursor("s=abc"));
  BOOST_TEST(!parse_cursor("i=zz;s=abc"));
  BOOST_TEST(!parse_cursor(""));
}

BOOST_AUTO_TEST_CASE(record_text_escaping_is_reversible) {
  std::string out;
  std::string text = "line 1\n\tat x\\y\r\nend \\n";
  escape_record_text(text, out);
  BOOST_TEST(out == "line 1\\n\tat x\\\\y\\r\\nend \\\\n");
  BOOST_TEST(out.find('\n') == std::string::npos);
  BOOST_TEST(unescape_record_text(out) == text);
}

BOOST_AUTO_TEST_CASE(an_alarm_line_is_cut_at_4096_bytes_with_a_marker) {
  BOOST_TEST(alarm_line("short\nevent") == "short\nevent");
  std::string exact(4096, 'x');
  BOOST_TEST(alarm_line(exact) == exact);
  // Multi-byte characters are never cut in half.
  std::string event;
  while (event.size() < 10000) event += "\tat caf\xc3\xa9\n";
  auto line = alarm_line(event);
  BOOST_TEST(line.size() <= 4096u);
  auto marker = line.rfind(" [... ");
  BOOST_REQUIRE(marker != std::string::npos);
  BOOST_TEST(line.substr(marker) == fmt::format(" [... {} more bytes]", event.size() - marker));
  BOOST_TEST(event.compare(0, marker, line, 0, marker) == 0);
  BOOST_TEST((static_cast<unsigned char>(line[marker - 1]) & 0xC0) != 0xC0);
}

BOOST_AUTO_TEST_SUITE_END()
