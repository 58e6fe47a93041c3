// SPDX-License-Identifier: Apache-2.0
#include "tests/support/production_fleet.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "tests/support/broker.hpp"
#include "tests/support/ops_support.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {
namespace {

std::string first_line(const std::filesystem::path& path) {
  auto text = read_text(path);
  return text.substr(0, text.find('\n'));
}

}  // namespace

std::string production_fleet::role_of(const std::string& user) {
  if (user.starts_with("master-")) return "master";
  if (user.starts_with("edge-")) return "edge";
  return "node";
}

production_fleet::production_fleet(std::vector<std::string> users, const std::string& acl_extra)
    : acl_file(source_path("broker-config/acl")), port(free_port()) {
  if (!acl_extra.empty()) {
    auto shipped = read_text(acl_file);
    acl_file = dir / "acl";
    write_text(acl_file, shipped + "\n" + acl_extra + "\n");
  }
  auto ca = run({"/bin/bash", source_path("scripts/make-test-ca.sh"), (dir / "ca").string()},
                dir / "ca.log");
  BOOST_REQUIRE_MESSAGE(ca.status == 0, ca.output);
  for (const auto& user : users) {
    auto p = run({"/bin/bash", source_path("scripts/provision-node.sh"), "-p",
                  (dir / "passwd").string(), "-o", (dir / "creds").string(), "--role", role_of(user),
                  "--acl", acl_file.string(), "--ca-cert", ca_file().string(),
                  "--ca-key", (dir / "ca" / "ca.key").string(), user},
                 dir / "provision.log");
    BOOST_REQUIRE_MESSAGE(p.status == 0, p.output);
  }
  broker = start_broker("central", production_config(port, "central"));
}

std::unique_ptr<child_process> production_fleet::start_broker(const std::string& name,
                                                              const std::string& conf) {
  auto path = dir / (name + ".conf");
  write_text(path, conf);
  auto p = std::make_unique<child_process>(
      std::vector<std::string>{PERANDA_MOSQUITTO, "-c", path.string()}, dir / (name + ".log"));
  auto listening = [&] {
    return p->running() && read_text(dir / (name + ".log")).find("running") != std::string::npos;
  };
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return listening() || !p->running(); }) && p->running(),
                        p->log());
  return p;
}

void production_fleet::rewrite(std::string& conf, const std::string& from, const std::string& to) {
  auto at = conf.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "config lacks '" + from + "'");
  for (; at != std::string::npos; at = conf.find(from, at + to.size())) {
    conf.replace(at, from.size(), to);
  }
}

std::string production_fleet::production_config(std::uint16_t listen_port,
                                                 const std::string& name) const {
  auto conf = read_text(source_path("broker-config/production.conf"));
  rewrite(conf, "\nlistener 8883\n", "\nlistener " + std::to_string(listen_port) + " 127.0.0.1\n");
  rewrite(conf, "/etc/mosquitto/certs/", (dir / "ca").string() + "/");
  rewrite(conf, "/etc/mosquitto/peranda/passwd", (dir / "passwd").string());
  rewrite(conf, "/etc/mosquitto/peranda/acl", acl_file.string());
  rewrite(conf, "/usr/lib/peranda/peranda_broker_plugin.so", PERANDA_BROKER_PLUGIN);
  std::filesystem::create_directories(dir / name);
  rewrite(conf, "/var/lib/mosquitto/", (dir / name).string() + "/");
  rewrite(conf, "log_dest syslog", "log_dest stderr");
  // As root, mosquitto switches to user `mosquitto`, which cannot enter
  // the test's private temp dir; production keeps the default.
  if (::geteuid() == 0) conf += "\nuser root\n";
  return conf;
}

std::string production_fleet::edge_config(std::uint16_t listen_port) const {
  auto bridge = read_text(source_path("broker-config/bridge.conf"));
  rewrite(bridge, "address central.example.net:8883", "address 127.0.0.1:" + std::to_string(port));
  rewrite(bridge, "remote_password CHANGE-ME", "remote_password " + password("edge-site-1"));
  rewrite(bridge, "/etc/mosquitto/certs/central-ca.crt", ca_file().string());
  return production_config(listen_port, "edge") + "\n" + bridge;
}

std::string production_fleet::master_acl_block(const std::string& master) {
  auto acl = read_text(source_path("broker-config/acl"));
  auto start = acl.find("\nuser master-1\n");
  BOOST_REQUIRE_MESSAGE(start != std::string::npos, "the shipped ACL has no `user master-1`");
  auto block = acl.substr(start + 1, acl.find("\n\n", start + 1) - start);
  rewrite(block, "master-1", master);
  return block;
}

std::string production_fleet::url(const std::string& host, std::uint16_t p) {
  return "ssl://" + host + ":" + std::to_string(p);
}

std::string production_fleet::password_file(const std::string& user) const {
  return (dir / "creds" / (user + ".password")).string();
}

std::string production_fleet::password(const std::string& user) const {
  return first_line(password_file(user));
}

mqtt_session::options production_fleet::client(const std::string& user,
                                               std::string client_id) const {
  mqtt_session::options o;
  o.server_uri = url();
  o.client_id = client_id.empty() ? user + ":test" : std::move(client_id);
  o.username = user;
  o.password = password(user);
  o.ca_file = ca_file().string();
  o.clean_session = true;
  return o;
}

program_config production_fleet::as_user(const std::string& user,
                                         const std::string& folder) const {
  return {url(), dir / folder,
          "username = \"" + user + "\"\npassword_file = \"" + password_file(user) +
              "\"\nca_file = \"" + ca_file().string() + "\"\n"};
}

}  // namespace peranda::test
