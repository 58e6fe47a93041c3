// SPDX-License-Identifier: Apache-2.0
// The generic loader on its own: one made-up struct with a field of every
// kind, so a regression shows here and not only through a program's table.
#include "core/config/key_table.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda;
using namespace std::chrono_literals;

namespace {

struct sample {
  std::string host = "localhost";
  std::filesystem::path dir = "/var/lib/sample";
  bool fsync = true;
  unsigned port = 8080;
  std::uint64_t max_size = 64 * 1024;
  std::chrono::milliseconds timeout{90'000};
  std::chrono::seconds stale{120};
  std::vector<std::string> tags{"a", "b"};
  int level = 3;
  unsigned count = 0;
  bool operator==(const sample&) const = default;
};

result<void> no_spaces(std::string_view text) {
  if (text.find(' ') != std::string_view::npos) return fail("must not contain spaces");
  return {};
}

result<void> read_level(sample& out, std::string_view text) {
  if (text == "low") {
    out.level = 1;
  } else if (text == "high") {
    out.level = 5;
  } else {
    return failf("unknown level '{}' (low or high)", text);
  }
  return {};
}

std::string show_level(const sample& defaults) { return fmt::format("level {}", defaults.level); }

constexpr config_key<sample> k_keys[] = {
    {{"sample", "host", key_type::string, "", "Host."}, &sample::host, {}, no_spaces},
    {{"sample", "dir", key_type::string, "", "Folder."}, &sample::dir, {}, absolute_path},
    {{"sample", "fsync", key_type::boolean, "", "Sync."}, &sample::fsync},
    {{"sample", "port", key_type::integer, "", "Port."}, &sample::port, {1, 65535}},
    {{"sample", "max_size", key_type::bytes, "", "Size."}, &sample::max_size, {1024}},
    {{"sample", "timeout", key_type::duration, "", "Timeout."}, &sample::timeout, {100, 3'600'000}},
    {{"sample", "stale", key_type::duration, "", "Stale."}, &sample::stale, {1000}},
    {{"sample", "tags", key_type::string_list, "", "Tags."}, &sample::tags, {}, no_spaces},
    {{"sample", "level", key_type::string, "", "Level."},
     custom_field<sample>{read_level, show_level}},
    {{"sample", "computed", key_type::string, "(the host name)", "Filled by hand."}},
    {{"sample", "count", key_type::integer, "", "Open-ended unsigned."}, &sample::count},
};

const std::vector<key_spec>& specs() {
  static const std::vector<key_spec> out = [] {
    std::vector<key_spec> v;
    describe_defaults<sample>(v, k_keys);
    return v;
  }();
  return out;
}

// The loaded struct, or the error text of parsing or loading `text`.
result<sample> load(const std::string& text) {
  auto doc = config_document::parse(text, "s.toml", specs());
  if (!doc) return std::unexpected(doc.error());
  sample out;
  if (auto ok = load_keys<sample>(doc->section("sample"), k_keys, out); !ok) {
    return std::unexpected(ok.error());
  }
  return out;
}

std::string error_of(const std::string& text) {
  auto s = load(text);
  return s ? "" : s.error().message;
}

const key_spec& spec(std::string_view name) {
  for (const auto& k : specs()) {
    if (k.name == name) return k;
  }
  throw std::logic_error("no such key");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(key_table)

BOOST_AUTO_TEST_CASE(absent_keys_keep_the_struct_initializers) {
  BOOST_TEST((load("[sample]\n").value() == sample{}));
  BOOST_TEST((load("").value() == sample{}));
}

BOOST_AUTO_TEST_CASE(every_kind_of_field_is_filled) {
  auto s = load(
               "[sample]\n"
               "host = \"db-1\"\n"
               "dir = \"/srv/x\"\n"
               "fsync = false\n"
               "port = 443\n"
               "max_size = \"2MiB\"\n"
               "timeout = \"1m30s\"\n"
               "stale = \"2500ms\"\n"
               "tags = [\"x\", \"y\", \"z\"]\n"
               "level = \"high\"\n"
               "computed = \"anything\"\n")
               .value();
  BOOST_TEST(s.host == "db-1");
  BOOST_TEST(s.dir == std::filesystem::path("/srv/x"));
  BOOST_TEST(!s.fsync);
  BOOST_TEST(s.port == 443u);
  BOOST_TEST(s.max_size == 2u << 20);
  BOOST_TEST(s.timeout.count() == 90'000);
  BOOST_TEST(s.stale.count() == 2);  // whole seconds, rounded down
  BOOST_TEST((s.tags == std::vector<std::string>{"x", "y", "z"}));
  BOOST_TEST(s.level == 5);
}

BOOST_AUTO_TEST_CASE(values_outside_the_range_name_file_line_and_key) {
  BOOST_TEST(error_of("[sample]\n\nport = 0\n") ==
             "s.toml:3: key 'sample.port': must be between 1 and 65535");
  BOOST_TEST(error_of("[sample]\nport = 65536\n") ==
             "s.toml:2: key 'sample.port': must be between 1 and 65535");
  BOOST_TEST(error_of("[sample]\nport = -1\n") ==
             "s.toml:2: key 'sample.port': must be between 1 and 65535");
  BOOST_TEST(error_of("[sample]\nmax_size = 1023\n") ==
             "s.toml:2: key 'sample.max_size': must be at least 1KiB");
  BOOST_TEST(error_of("[sample]\ntimeout = \"99ms\"\n") ==
             "s.toml:2: key 'sample.timeout': must be between 100ms and 1h");
  BOOST_TEST(error_of("[sample]\ntimeout = \"1h1ms\"\n") ==
             "s.toml:2: key 'sample.timeout': must be between 100ms and 1h");
  BOOST_TEST(error_of("[sample]\nstale = \"999ms\"\n") ==
             "s.toml:2: key 'sample.stale': must be at least 1s");
  BOOST_TEST(load("[sample]\nport = 1\n").has_value());
  BOOST_TEST(load("[sample]\ntimeout = \"1h\"\n").has_value());
}

BOOST_AUTO_TEST_CASE(an_open_range_still_stops_at_the_fields_type) {
  // `count` fills an unsigned: a value it cannot hold is refused, not wrapped.
  BOOST_TEST(error_of("[sample]\ncount = 4294967296\n") ==
             "s.toml:2: key 'sample.count': must be at least 0");
  BOOST_TEST(load("[sample]\ncount = 4294967295\n").value().count == 4294967295u);
  BOOST_TEST(error_of("[sample]\ncount = -5\n") ==
             "s.toml:2: key 'sample.count': must be at least 0");
}

BOOST_AUTO_TEST_CASE(text_checks_and_custom_fields_report_their_reason) {
  BOOST_TEST(error_of("[sample]\nhost = \"a b\"\n") ==
             "s.toml:2: key 'sample.host': must not contain spaces");
  BOOST_TEST(error_of("[sample]\ndir = \"relative/x\"\n") ==
             "s.toml:2: key 'sample.dir': must be an absolute path");
  BOOST_TEST(error_of("[sample]\ntags = [\"ok\", \"not ok\"]\n") ==
             "s.toml:2: key 'sample.tags': 'not ok': must not contain spaces");
  BOOST_TEST(error_of("[sample]\nlevel = \"medium\"\n") ==
             "s.toml:2: key 'sample.level': unknown level 'medium' (low or high)");
}

BOOST_AUTO_TEST_CASE(the_first_bad_key_in_table_order_is_reported) {
  BOOST_TEST(error_of("[sample]\ntimeout = \"1ms\"\nport = 0\n") ==
             "s.toml:3: key 'sample.port': must be between 1 and 65535");
}

BOOST_AUTO_TEST_CASE(wrong_types_and_unknown_keys_are_refused_with_their_line) {
  auto wrong = error_of("[sample]\nport = \"80\"\n");
  BOOST_TEST(wrong.starts_with("s.toml:2: key 'sample.port': expected"), wrong);
  auto wrong_list = error_of("[sample]\n\ntags = \"x\"\n");
  BOOST_TEST(wrong_list.starts_with("s.toml:3: key 'sample.tags': expected"), wrong_list);
  auto bad_duration = error_of("[sample]\ntimeout = \"10 s\"\n");
  BOOST_TEST(bad_duration.starts_with("s.toml:2: key 'sample.timeout': bad duration"),
             bad_duration);
  auto unknown = error_of("[sample]\nhots = \"x\"\n");
  BOOST_TEST(unknown.starts_with("s.toml:2: unknown key 'sample.hots'"), unknown);
  BOOST_TEST(unknown.find("did you mean 'host'") != std::string::npos, unknown);
}

BOOST_AUTO_TEST_CASE(described_defaults_come_from_the_initializers) {
  BOOST_TEST(spec("host").default_value == "localhost");
  BOOST_TEST(spec("dir").default_value == "/var/lib/sample");
  BOOST_TEST(spec("fsync").default_value == "true");
  BOOST_TEST(spec("port").default_value == "8080");
  BOOST_TEST(spec("max_size").default_value == "64KiB");
  BOOST_TEST(spec("timeout").default_value == "1m30s");
  BOOST_TEST(spec("stale").default_value == "2m");
  BOOST_TEST(spec("tags").default_value == "a, b");
  BOOST_TEST(spec("level").default_value == "level 3");
  BOOST_TEST(spec("computed").default_value == "(the host name)");
  BOOST_TEST(spec("port").allowed == "between 1 and 65535");
  BOOST_TEST(spec("max_size").allowed == "at least 1KiB");
  BOOST_TEST(spec("timeout").allowed == "between 100ms and 1h");
  BOOST_TEST(spec("host").allowed == "");
}

BOOST_AUTO_TEST_CASE(described_defaults_follow_a_changed_initializer) {
  sample other;
  other.port = 9000;
  other.fsync = false;
  std::vector<key_spec> out;
  describe_defaults<sample>(out, k_keys, other);
  BOOST_TEST(out[2].default_value == "false");
  BOOST_TEST(out[3].default_value == "9000");
}

BOOST_AUTO_TEST_CASE(rows_without_a_field_are_left_to_hand_written_code) {
  auto doc = config_document::parse("[sample]\ncomputed = \"x\"\n", "s.toml", specs()).value();
  sample out;
  BOOST_TEST(load_keys<sample>(doc.section("sample"), k_keys, out).has_value());
  BOOST_TEST((out == sample{}));
  std::string value;
  BOOST_TEST(compute_default(
                 doc.section("sample"), "computed", value,
                 [] { return std::string("computed-host"); }, no_spaces)
                 .has_value());
  BOOST_TEST(value == "computed-host");
  value.clear();
  auto bad = compute_default(
      doc.section("sample"), "computed", value, [] { return std::string("a b"); }, no_spaces);
  BOOST_TEST(bad.error().message == "s.toml:2: key 'sample.computed': must not contain spaces");
}

BOOST_AUTO_TEST_SUITE_END()
