// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/mqtt/session.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/temp_dir.hpp"

namespace peranda::test {

// The shipped production broker (broker-config/production.conf and acl, with
// only the listener address and file paths rewritten, the peranda broker
// plugin loaded from the build tree) over TLS on a free
// loopback port, with a test CA and users provisioned by
// scripts/provision-node.sh. Stops the broker by PID on destruction.
// Used by the ops_broker_tls test and by the `security` suite, where node-a
// plays the attacker against a real master and a real node-b agent.
class production_fleet {
 public:
  // `acl_extra` is appended to a copy of the shipped ACL (e.g. a block for
  // a second master user); empty: the shipped file itself.
  explicit production_fleet(std::vector<std::string> users = {"node-a", "node-b", "master-1",
                                                              "edge-site-1"},
                            const std::string& acl_extra = "");

  // The provisioning role of one of the fixture's users: "master" for
  // master-*, "edge" for edge-*, else "node" (the ACL's example blocks).
  static std::string role_of(const std::string& user);

  // Starts mosquitto with `conf` (written to <dir>/<name>.conf) and waits
  // until it listens.
  std::unique_ptr<child_process> start_broker(const std::string& name, const std::string& conf);

  // Replaces every `from` in `conf`; fails the test if there is none, so a
  // change of the shipped file that the rewrite no longer covers is noticed.
  static void rewrite(std::string& conf, const std::string& from, const std::string& to);

  // production.conf listening on 127.0.0.1:listen_port, persistence in
  // <dir>/<name>/, logging to stderr.
  std::string production_config(std::uint16_t listen_port, const std::string& name) const;
  // An edge broker: production.conf plus bridge.conf towards our broker.
  std::string edge_config(std::uint16_t listen_port) const;

  std::string url(const std::string& host = "127.0.0.1") const { return url(host, port); }
  static std::string url(const std::string& host, std::uint16_t p);
  std::string password_file(const std::string& user) const;
  std::string password(const std::string& user) const;
  std::filesystem::path ca_file() const { return dir / "ca" / "ca.crt"; }

  // Session options for `user` with its own password over verified TLS;
  // the client id is `<user>:test` unless given.
  mqtt_session::options client(const std::string& user, std::string client_id = "") const;

  // Where and how a real agent or master of `user` connects: the broker URL,
  // its own folder <dir>/<folder>, and [broker] lines with its user name,
  // password file and the CA (for start_agent / start_master).
  program_config as_user(const std::string& user, const std::string& folder) const;

  // The ACL block of the shipped file's `user master-1`, for `master`.
  static std::string master_acl_block(const std::string& master);

  temp_dir dir;
  std::filesystem::path acl_file;  // what the brokers read
  std::uint16_t port;
  std::unique_ptr<child_process> broker;
};

}  // namespace peranda::test
