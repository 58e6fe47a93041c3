// SPDX-License-Identifier: Apache-2.0
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "core/config/config_document.hpp"
#include "core/config/units.hpp"
#include "master-service/master_config.hpp"
#include "node-agent/agent_config.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace std::chrono_literals;

namespace {

std::string agent_error(const std::string& text) {
  auto doc = config_document::parse(text, "agent.toml", agent::agent_keys());
  if (!doc) return doc.error().message;
  auto cfg = agent::build_agent_config(*doc);
  return cfg ? "" : cfg.error().message;
}

std::string master_error(const std::string& text) {
  auto doc = config_document::parse(text, "master.toml", master::master_keys());
  if (!doc) return doc.error().message;
  auto cfg = master::build_master_config(*doc);
  return cfg ? "" : cfg.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(durations_and_sizes) {
  BOOST_TEST(parse_duration("500ms").value() == 500ms);
  BOOST_TEST(parse_duration("10s").value() == 10s);
  BOOST_TEST(parse_duration("5m").value() == 5min);
  BOOST_TEST(parse_duration("1h").value() == 1h);
  BOOST_TEST(parse_duration("1m30s").value() == 90s);
  BOOST_TEST(parse_duration("2d").value() == 48h);
  for (const char* bad : {"", "10", "10x", "s", "1.5s", "-1s", "10 s", "99999999999999999999s"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!parse_duration(bad).has_value()); }
  }
  BOOST_TEST(parse_duration("10x").error().message ==
             "bad duration '10x' (use a whole number with ms, s, m, h or d, e.g. 10s or 1m30s)");
  BOOST_TEST(format_duration(90s) == "1m30s");
  BOOST_TEST(parse_bytes("64KiB").value() == 65536u);
  BOOST_TEST(parse_bytes("10MiB").value() == 10u << 20);
  BOOST_TEST(parse_bytes("512").value() == 512u);
  BOOST_TEST(parse_bytes("1GB").value() == 1000000000u);
  BOOST_TEST(!parse_bytes("10 MiB").has_value());
  BOOST_TEST(!parse_bytes("MiB").has_value());
}

BOOST_AUTO_TEST_CASE(valid_files_load_with_defaults) {
  BOOST_TEST(agent_error("[agent]\nnode_id = \"web-01\"\nip = \"10.1.2.3\"\n") == "");
  auto doc = config_document::parse("[agent]\nnode_id = \"n\"\nip = \"10.1.2.3\"\n", "a.toml",
                                    agent::agent_keys());
  auto cfg = agent::build_agent_config(*doc).value();
  BOOST_TEST(cfg.heartbeat_interval == 10s);
  BOOST_TEST(cfg.broker.urls == std::vector<std::string>{"tcp://127.0.0.1:1883"});
  BOOST_TEST(cfg.broker.topic_root == "peranda/v1");
  BOOST_TEST(cfg.broker.keepalive == 30s);
  BOOST_TEST(master_error("[master]\nid = \"m1\"\n") == "");
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_sections_name_file_line_and_key) {
  BOOST_TEST(agent_error("[agent]\nnode_id = \"n\"\nheartbeat_intervall = \"5s\"\n") ==
             "agent.toml:3: unknown key 'agent.heartbeat_intervall' (did you mean "
             "'heartbeat_interval'?)");
  BOOST_TEST(agent_error("\n[brokr]\nurl = \"tcp://x:1\"\n") ==
             "agent.toml:2: unknown section 'brokr' (did you mean '[broker]'?)");
  BOOST_TEST(agent_error("[agent]\nzzz = 1\n") == "agent.toml:2: unknown key 'agent.zzz'");
  // Every problem is reported, not just the first.
  BOOST_TEST(agent_error("[agent]\na = 1\nb = 2\n") ==
             "agent.toml:2: unknown key 'agent.a'\nagent.toml:3: unknown key 'agent.b'");
}

BOOST_AUTO_TEST_CASE(bad_values_name_file_line_and_key) {
  BOOST_TEST(agent_error("[agent]\nheartbeat_interval = \"10x\"\n") ==
             "agent.toml:2: key 'agent.heartbeat_interval': bad duration '10x' (use a whole "
             "number with ms, s, m, h or d, e.g. 10s or 1m30s)");
  BOOST_TEST(agent_error("[agent]\nheartbeat_interval = 10\n") ==
             "agent.toml:2: key 'agent.heartbeat_interval': expected a duration string such as "
             "\"10s\"");
  BOOST_TEST(agent_error("[agent]\nnode_id = \"../x\"\n") ==
             "agent.toml:2: key 'agent.node_id': node id '../x' must start with a letter or digit");
  BOOST_TEST(agent_error("[agent]\nnode_id = 5\n") ==
             "agent.toml:2: key 'agent.node_id': expected a string");
  BOOST_TEST(agent_error("[agent]\nip = \"10.0.0.300\"\n") ==
             "agent.toml:2: key 'agent.ip': '10.0.0.300' is not an IPv4 or IPv6 address");
  BOOST_TEST(agent_error("[broker]\nurl = \"http://x\"\n") ==
             "agent.toml:2: key 'broker.url': 'http://x' is not tcp://host:port or "
             "ssl://host:port");
  BOOST_TEST(agent_error("[broker]\ntopic_root = \"a/#\"\n") ==
             "agent.toml:2: key 'broker.topic_root': topic root 'a/#' may not contain '+', '#' "
             "or NUL");
  BOOST_TEST(master_error("[master]\nworkers = 0\n") ==
             "master.toml:2: key 'master.workers': must be between 1 and 256");
  BOOST_TEST(master_error("[master]\nhttp_listen = \"0.0.0.0:8641\"\n").find(
                 "requires http_token_file") != std::string::npos);
  BOOST_TEST(agent_error("[agent\n") .find("agent.toml:1:") == 0u);
}

// Each timeout names itself: a bad request_timeout was reported as
// transfer_idle_timeout.
BOOST_AUTO_TEST_CASE(a_bad_timeout_names_its_own_key) {
  BOOST_TEST(master_error("[master]\nrequest_timeout = \"500ms\"\n") ==
             "master.toml:2: key 'master.request_timeout': must be at least 1s");
  BOOST_TEST(master_error("[master]\ntransfer_idle_timeout = \"500ms\"\n") ==
             "master.toml:2: key 'master.transfer_idle_timeout': must be at least 1s");
}

BOOST_AUTO_TEST_CASE(missing_file_and_unsafe_password_file) {
  auto missing = config_document::load("/nonexistent/agent.toml", agent::agent_keys());
  BOOST_TEST(missing.error().message ==
             "cannot read config file '/nonexistent/agent.toml': No such file or directory");
  test::temp_dir dir;
  auto pw = dir / "pw";
  std::ofstream(pw) << "secret\n";
  std::filesystem::permissions(pw, std::filesystem::perms::owner_read |
                                       std::filesystem::perms::others_read);
  auto text = "[broker]\npassword_file = \"" + pw.string() + "\"\n";
  BOOST_TEST(agent_error(text) == "agent.toml:2: key 'broker.password_file': '" + pw.string() +
                                      "' is readable by others; chmod o-r it");
  std::filesystem::permissions(pw, std::filesystem::perms::owner_read);
  auto doc = config_document::parse(text, "agent.toml", agent::agent_keys());
  BOOST_TEST(agent::build_agent_config(*doc).value().broker.password == "secret");
}

BOOST_AUTO_TEST_CASE(docs_list_every_key) {
  std::ifstream in(std::string(PERANDA_SOURCE_DIR) + "/docs/configuration.md");
  std::string docs((std::istreambuf_iterator<char>(in)), {});
  BOOST_TEST_REQUIRE(!docs.empty(), "docs/configuration.md is missing");
  for (auto keys : {agent::agent_keys(), master::master_keys()}) {
    for (const auto& k : keys) {
      BOOST_TEST(docs.find("| `" + std::string(k.name) + "` |") != std::string::npos,
                 "docs/configuration.md lacks " << k.section << "." << k.name
                                                << " (run scripts/gen-config-docs.sh)");
    }
    // Byte for byte what --help-config prints, so help and docs cannot disagree.
    BOOST_TEST(docs.find(describe_keys(keys)) != std::string::npos,
               "docs/configuration.md differs from --help-config (run scripts/gen-config-docs.sh)");
  }
}

BOOST_AUTO_TEST_SUITE_END()
