// SPDX-License-Identifier: Apache-2.0
// The JSON Schemas in schemas/ and the C++ decoders must agree: real encoder
// output is valid for both, and every broken document is refused by both.
#include <cstdlib>
#include <fstream>

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/support/message_samples.hpp"
#include "tests/support/temp_dir.hpp"

using nlohmann::json;

namespace {

struct case_writer {
  std::ofstream out;
  int count = 0;
  void add(const std::string& schema, const std::string& doc, bool valid, const std::string& label) {
    out << json{{"schema", schema}, {"doc", doc}, {"valid", valid}, {"case", label}}.dump() << '\n';
    ++count;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(schemas)

BOOST_AUTO_TEST_CASE(schemas_and_decoders_agree_on_good_and_bad_documents) {
  peranda::test::temp_dir dir;
  case_writer cases{std::ofstream(dir / "cases.jsonl")};
  for (const auto& k : peranda::test::all_message_kinds()) {
    BOOST_TEST_REQUIRE(k.decodes(k.sample), k.schema);
    cases.add(k.schema, k.sample, true, "encoder output");
    auto doc = json::parse(k.sample);
    for (const auto& [key, value] : doc.items()) {
      auto missing = doc;
      missing.erase(key);
      // Absent in messages of the previous release, which stay valid.
      bool optional = key == "encodings" || key == "encoding" || key == "beat_ms" ||
            key == "confirm" || key == "confirmations" || key == "store";
      BOOST_TEST(k.decodes(missing.dump()) == optional, k.schema << " without " << key);
      cases.add(k.schema, missing.dump(), optional, "without " + key);
      auto wrong = doc;
      wrong[key] = value.is_string() ? json(12) : json("12");
      BOOST_TEST(!k.decodes(wrong.dump()), k.schema << " wrong type " << key);
      cases.add(k.schema, wrong.dump(), false, "wrong type " + key);
      if (value.is_string() && key != "reason" && key != "hostname" && key != "line" &&
          key != "agent_version" && key != "version") {
        for (const char* hostile : {"../x", "a/b", "+", "#", ""}) {
          auto bad = doc;
          bad[key] = hostile;
          // Some fields (sha256 in an ack) are free text: only check where the decoder refuses.
          if (k.decodes(bad.dump())) continue;
          cases.add(k.schema, bad.dump(), false, key + " = '" + hostile + "'");
        }
      }
    }
    auto old = doc;
    old["v"] = 2;
    BOOST_TEST(!k.decodes(old.dump()));
    cases.add(k.schema, old.dump(), false, "version 2");
  }
  // Every string bound of a schema (maxLength counts characters) is the
  // decoder's bound too, also for characters of several bytes.
  for (const auto& k : peranda::test::all_message_kinds()) {
    std::ifstream file(std::string(PERANDA_SOURCE_DIR) + "/schemas/" + k.schema + ".schema.json");
    auto schema = json::parse(file);
    for (const auto& [key, property] : schema["properties"].items()) {
      if (!property.contains("maxLength") || property.contains("pattern") ||
          property.contains("anyOf"))
        continue;
      auto max = property["maxLength"].get<std::size_t>();
      for (const std::string wide : {"x", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
        auto with = [&](std::size_t n) {
          auto doc = json::parse(k.sample);
          std::string text;
          for (std::size_t i = 0; i < n; ++i) text += wide;
          doc[key] = text;
          return doc.dump();
        };
        auto label = fmt::format("{} of {} '{}' (UTF-8: {} bytes each)", key, max, wide,
                                 wide.size());
        BOOST_TEST(k.decodes(with(max)), k.schema << ": " << label);
        cases.add(k.schema, with(max), true, label);
        BOOST_TEST(!k.decodes(with(max + 1)), k.schema << ": one more than " << label);
        cases.add(k.schema, with(max + 1), false, "one more than " + label);
      }
    }
  }
  for (const auto& c : peranda::test::list_cases()) {
    cases.add(c.kind->schema, c.doc, c.valid, c.label);
  }
  cases.out.close();
  std::string command = std::string(PERANDA_PYTHON3) + " " + PERANDA_SOURCE_DIR +
                        "/tests/support/schema_check.py " + PERANDA_SOURCE_DIR + "/schemas " +
                        (dir / "cases.jsonl").string() + " > " + (dir / "report.txt").string() +
                        " 2>&1";
  int rc = std::system(command.c_str());
  std::ifstream report(dir / "report.txt");
  std::string text((std::istreambuf_iterator<char>(report)), {});
  BOOST_TEST(rc == 0, "schema check failed:\n" << text);
  BOOST_TEST(text.find("0 mismatches") != std::string::npos, text);
  BOOST_TEST(cases.count > 150);
}

BOOST_AUTO_TEST_SUITE_END()
