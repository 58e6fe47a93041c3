// SPDX-License-Identifier: Apache-2.0
#include "node-agent/agent_config.hpp"

#include <boost/test/unit_test.hpp>

#include "core/fs/durable_file.hpp"

using namespace peranda;
using namespace peranda::agent;

namespace {

result<agent_config> parse(const std::string& text) {
  auto doc = config_document::parse(
      "[agent]\nnode_id = \"n1\"\nip = \"127.0.0.1\"\n"
      "spool_dir = \"/tmp/x\"\n" +
          text,
      "agent.toml", agent_keys());
  if (!doc) return std::unexpected(doc.error());
  return build_agent_config(*doc);
}

void expect_error(const std::string& text, const std::string& needle) {
  auto c = parse(text);
  BOOST_REQUIRE_MESSAGE(!c.has_value(), "accepted: " + text);
  BOOST_TEST_MESSAGE(c.error().message);
  BOOST_TEST(c.error().message.find(needle) != std::string::npos, c.error().message);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_config_sources_rules)

BOOST_AUTO_TEST_CASE(a_full_config_loads) {
  auto c = parse(R"(
[[source]]
type = "exec"
name = "uptime"
command = ["/bin/sh", "-c", "uptime"]
interval = "30s"
timeout = "5s"
[[source]]
type = "file"
name = "syslog"
path = "/var/log/syslog"
from_beginning = true
[[rule]]
name = "oom"
pattern = "Out of memory"
severity = "critical"
sources = ["syslog"]
threshold = 3
within = "1m"
cooldown = "10m"
recovery = "recovered"
)");
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  BOOST_REQUIRE_EQUAL(c->sources.size(), 2u);
  BOOST_TEST(c->sources[0].interval.count() == 30000);
  BOOST_TEST(c->sources[1].from_beginning);
  BOOST_REQUIRE_EQUAL(c->rules.size(), 1u);
  BOOST_TEST(c->rules[0].threshold == 3u);
  BOOST_TEST(c->rules[0].cooldown.count() == 600000);
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_key) {
  expect_error("[[source]]\ntype = \"exec\"\nname = \"x\"\ncommand = [\"/no/such/tool\"]\n",
               "agent.toml:8: key 'source.command': '/no/such/tool' is not an executable");
  expect_error("[[source]]\ntype = \"pipe\"\nname = \"x\"\n", "key 'source.type'");
  expect_error("[[source]]\ntype = \"file\"\nname = \"x\"\npath = \"rel/path\"\n", "source.path");
  expect_error("[[source]]\ntype = \"file\"\nname = \"x\"\npath = \"/a\"\ninterval = \"1s\"\n",
               "not allowed for a file source");
  expect_error(
      "[[source]]\ntype = \"file\"\nname = \"x\"\npath = \"/a\"\n[[source]]\n"
      "type = \"file\"\nname = \"x\"\npath = \"/b\"\n",
      "duplicate source name");
  expect_error("[[rule]]\nname = \"r\"\npattern = \"(\"\n", "key 'rule.pattern': invalid RE2");
  expect_error("[[rule]]\nname = \"r\"\npattern = \"x\"\nsources = [\"ghost\"]\n", "ghost");
  expect_error("[[rule]]\nname = \"r\"\npattern = \"x\"\nseverity = \"meh\"\n", "rule.severity");
  expect_error("[[rule]]\nname = \"r\"\npattern = \"x\"\nthreshold = 0\n", "rule.threshold");
  expect_error("spool_max_bytes = \"1KiB\"\n", "spool_max_bytes");
  expect_error("masters = [\"master-1\", \"../m\"]\n", "key 'agent.masters': '../m'");
  expect_error("masters = [\"+\"]\n", "agent.masters");
}

BOOST_AUTO_TEST_CASE(masters_default_to_any_and_are_kept_in_order) {
  auto any = parse("");
  BOOST_REQUIRE(any.has_value());
  BOOST_TEST(any->masters.empty());
  auto two = parse("masters = [\"master-1\", \"master-2\"]\n");
  BOOST_REQUIRE_MESSAGE(two.has_value(), (two ? std::string() : two.error().message));
  BOOST_TEST(two->masters == (std::vector<std::string>{"master-1", "master-2"}));
}

BOOST_AUTO_TEST_CASE(journal_and_multiline_sources_load) {
  auto c = parse(R"(
[[source]]
type = "journal"
name = "services"
units = ["nginx.service", "app.service"]
identifiers = ["app"]
priority = "warning"
multiline = "java"
multiline_max_lines = 200
multiline_max_bytes = "32KiB"
multiline_timeout = "500ms"
[[source]]
type = "journal"
name = "local"
directory = "/var/log/journal/remote"
from_beginning = true
[[source]]
type = "file"
name = "app"
path = "/var/log/app.log"
multiline_start = '^\d{4}-\d\d-\d\d '
)");
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  const auto& j = c->sources[0];
  BOOST_TEST((j.type == source_type::journal));
  BOOST_TEST(j.directory.empty());
  BOOST_TEST(j.units.size() == 2u);
  BOOST_TEST(j.max_priority == 4);
  BOOST_TEST(!j.multiline.continuation.empty());
  BOOST_TEST(j.multiline.max_lines == 200u);
  BOOST_TEST(j.multiline.max_bytes == 32u * 1024);
  BOOST_TEST(j.multiline.timeout.count() == 500);
  BOOST_TEST(c->sources[1].directory == "/var/log/journal/remote");
  BOOST_TEST(c->sources[1].max_priority == 7);
  BOOST_TEST(c->sources[1].from_beginning);
  BOOST_TEST(!c->sources[1].multiline.enabled());
  BOOST_TEST(c->sources[2].multiline.start == "^\\d{4}-\\d\\d-\\d\\d ");
}

BOOST_AUTO_TEST_CASE(journal_and_multiline_errors_name_file_line_and_key) {
  const std::string journal = "[[source]]\ntype = \"journal\"\nname = \"j\"\n";
  expect_error(journal + "priority = \"loud\"\n",
               "agent.toml:8: key 'source.priority': unknown priority 'loud'");
  expect_error(journal + "directory = \"relative\"\n",
               "key 'source.directory': must be an absolute");
  expect_error(journal + "units = [\"\"]\n", "key 'source.units'");
  expect_error(journal + "path = \"/a\"\n", "key 'source.path': not allowed for a journal source");
  expect_error(journal + "command = [\"/bin/true\"]\n", "not allowed for a journal source");
  expect_error("[[source]]\ntype = \"file\"\nname = \"f\"\npath = \"/a\"\nunits = [\"x\"]\n",
               "key 'source.units': not allowed for a file source");
  expect_error(
      "[[source]]\ntype = \"exec\"\nname = \"e\"\ncommand = [\"/bin/true\"]\n"
      "from_beginning = true\n",
      "key 'source.from_beginning': not allowed for a exec source");
  expect_error(journal + "multiline = \"cobol\"\n",
               "key 'source.multiline': unknown preset 'cobol' (java, python or go)");
  expect_error(journal + "multiline_start = \"(\"\n", "key 'source.multiline_start': invalid RE2");
  expect_error(journal + "multiline = \"java\"\nmultiline_start = \"^x\"\n",
               "either multiline (a preset) or multiline_start");
  expect_error(journal + "multiline_max_lines = 10\n",
               "key 'source.multiline_max_lines': only with multiline or multiline_start");
  expect_error(journal + "multiline = \"go\"\nmultiline_max_lines = 1\n",
               "key 'source.multiline_max_lines': must be between 2 and 100000");
  expect_error(journal + "multiline = \"go\"\nmultiline_max_bytes = \"100B\"\n",
               "key 'source.multiline_max_bytes'");
  expect_error(journal + "multiline = \"go\"\nmultiline_timeout = \"2h\"\n",
               "key 'source.multiline_timeout': must be between 10ms and 1h");
}

// The [[source]] and [[rule]] rows fill the structs through the generic
// loader: unset keys keep the struct initializers, required ones are named.
BOOST_AUTO_TEST_CASE(tables_keep_struct_defaults_and_name_missing_keys) {
  auto c = parse(
      "[[source]]\ntype = \"exec\"\nname = \"e\"\ncommand = [\"/bin/true\"]\n"
      "[[source]]\ntype = \"journal\"\nname = \"j\"\nmultiline = \"go\"\n"
      "[[rule]]\nname = \"r\"\npattern = \"x\"\n");
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  source_settings exec_defaults;
  exec_defaults.name = "e";
  exec_defaults.command = {"/bin/true"};
  BOOST_TEST((c->sources[0].interval == exec_defaults.interval));
  BOOST_TEST((c->sources[0].timeout == exec_defaults.timeout));
  BOOST_TEST(c->sources[0].max_output == exec_defaults.max_output);
  BOOST_TEST(c->sources[0].rule_lines_per_second == exec_defaults.rule_lines_per_second);
  BOOST_TEST(c->sources[1].max_priority == 7);
  BOOST_TEST(c->sources[1].multiline.max_lines == multiline_settings{}.max_lines);
  BOOST_TEST(!c->sources[1].multiline.continuation.empty());
  BOOST_TEST((c->rules[0].level == protocol::severity::warning));
  BOOST_TEST(c->rules[0].threshold == 1u);

  expect_error("[[source]]\nname = \"x\"\n",
               "agent.toml:5: key 'source.type': missing (exec, file or journal)");
  expect_error("[[source]]\ntype = \"file\"\npath = \"/a\"\n",
               "agent.toml:5: key 'source.name': missing");
  expect_error("[[source]]\ntype = \"file\"\nname = \"-bad\"\npath = \"/a\"\n",
               "agent.toml:7: key 'source.name'");
  expect_error(
      "[[source]]\ntype = \"file\"\nname = \"f\"\npath = \"/a\"\n"
      "rule_lines_per_second = -1\n",
      "agent.toml:9: key 'source.rule_lines_per_second': must be between 0 and 10000000");
  expect_error(
      "[[source]]\ntype = \"exec\"\nname = \"e\"\ncommand = [\"/bin/true\"]\n"
      "interval = \"10ms\"\n",
      "agent.toml:9: key 'source.interval': must be at least 100ms");
  expect_error("[[source]]\ntype = \"journal\"\nname = \"j\"\nunits = [\"a\", \"\"]\n",
               "agent.toml:8: key 'source.units': '': not a valid value");
  expect_error("[[rule]]\npattern = \"x\"\n", "agent.toml:5: key 'rule.name': missing");
  expect_error("[[rule]]\nname = \"r\"\n",
               "agent.toml:5: key 'rule.pattern': a rule needs a non-empty pattern");
  expect_error("[[rule]]\nname = \"r\"\npattern = \"\"\n",
               "agent.toml:7: key 'rule.pattern': a rule needs a non-empty pattern");
  expect_error("[[rule]]\nname = \"r\"\npattern = \"x\"\nrecovery = \"(\"\n",
               "agent.toml:8: key 'rule.recovery': invalid RE2");
}

BOOST_AUTO_TEST_CASE(every_key_is_documented) {
  auto text = describe_keys(agent_keys());
  for (auto key : {"spool_max_bytes", "ack_timeout", "command", "from_beginning", "cooldown",
                   "recovery", "rule_lines_per_second", "units", "identifiers", "priority",
                   "directory", "multiline", "multiline_start", "multiline_timeout", "masters"}) {
    BOOST_TEST(text.find(std::string("`") + key + "`") != std::string::npos, key);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(agent_deploy_config)

// The shipped config must load from the tree: its collector commands are
// relative to the config file (deploy/collectors/), and resolve to absolute
// paths so the daemon, which runs in '/', finds them too.
BOOST_AUTO_TEST_CASE(shipped_agent_toml_is_valid) {
  auto deploy = std::filesystem::path(PERANDA_SOURCE_DIR) / "deploy";
  auto doc = config_document::load(deploy / "agent.toml", agent_keys());
  BOOST_REQUIRE_MESSAGE(doc.has_value(), (doc ? std::string() : doc.error().message));
  auto c = build_agent_config(*doc);
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  BOOST_TEST(c->sources.front().command.front() ==
             (deploy / "collectors" / "cpu.sh").lexically_normal().string());
  BOOST_TEST(c->sources.size() == 7u);
  const auto& journal = c->sources.back();
  BOOST_TEST((journal.type == source_type::journal));
  BOOST_TEST(journal.max_priority == 4);
  BOOST_TEST(c->rules.size() >= 2u);
}

BOOST_AUTO_TEST_SUITE_END()
