// SPDX-License-Identifier: Apache-2.0
// The `security` suite's rig (header-only: each test file is its own
// program): the production broker over TLS, a real master (master-1) and a
// real node-b agent, both online, and node-a, whose credentials the attacker
// holds. Every test plays an attack as node-a and checks that node-b's
// presence, alarms and pulls are unaffected.
#pragma once

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/mqtt/session.hpp"
#include "tests/support/ops_support.hpp"
#include "tests/support/production_fleet.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {

// A bound of `mib` MiB on a program's resident set (or its growth), in KiB.
// ASan multiplies what a program holds (shadow memory, redzones) and keeps
// up to 256 MiB of freed blocks in quarantine (its default), so under it the
// bound is scaled and the quarantine added rather than the check dropped.
constexpr std::size_t rss_bound_kib(std::size_t mib) {
#if defined(__SANITIZE_ADDRESS__)
  return (mib * 4 + 256) * 1024;
#else
  return mib * 1024;
#endif
}

struct attacked_fleet : production_fleet {
  // `users` and `acl_extra` go to production_fleet (e.g. a second master user).
  explicit attacked_fleet(const std::string& master_extra = "",
                          const std::string& node_b_extra = "",
                          std::vector<std::string> users = {"node-a", "node-b", "master-1",
                                                            "edge-site-1"},
                          const std::string& acl_extra = "")
      : production_fleet(std::move(users), acl_extra) {
    master = start_master(as_user("master-1", "master"), "master-1", http_port, master_extra);
    node_b = start_agent(as_user("node-b", "node-b"), "node-b", node_b_extra);
    BOOST_REQUIRE_MESSAGE(wait_until([&] { return node_state("node-b") == "online"; }),
                          "node-b never came online\nmaster:\n" + master->log() +
                              "\nnode-b:\n" + node_b->log());
  }

  // A connected session with node-a's user name and password; the client id
  // is the attacker's choice.
  std::unique_ptr<mqtt_session::session> attacker(const std::string& client_id = "node-a") {
    auto s = std::make_unique<mqtt_session::session>(client("node-a", client_id));
    BOOST_REQUIRE(s->start());
    return s;
  }

  // Session options for a helper client of the test (a watcher, a fresh
  // subscriber) with `user`'s credentials. Its connect is retried within
  // seconds: a session re-asks Paho only after 2 x max_retry without a
  // connection, and once, under load, a TLS connect got no CONNACK for the
  // whole 60 s wait while the broker served everyone else.
  mqtt_session::options helper(const std::string& user, const std::string& client_id) const {
    auto o = client(user, client_id);
    o.max_retry = std::chrono::seconds(5);
    return o;
  }

  // The node's state in the master's registry ("" if unknown).
  std::string node_state(const std::string& node) const {
    auto n = find_node(http_port, node);
    return n.is_object() ? n.value("state", "") : "";
  }

  // POST /api/v1/nodes/{node}/pull with the header the API asks of every
  // POST: the request id ("" if the pull was refused).
  // A loaded machine may answer slower than httplib's 5 s default: a lost
  // answer is asked again (a repeated POST joins the pending pull).
  std::string pull(const std::string& node) const {
    httplib::Client c("127.0.0.1", http_port);
    c.set_read_timeout(30);
    std::optional<httplib::Result> res;
    wait_until([&] {
      res = c.Post("/api/v1/nodes/" + node + "/pull", {{"X-Peranda-Request", "1"}}, "",
                   "application/json");
      return static_cast<bool>(*res);
    });
    if (!*res || (*res)->status != 202) {
      std::cerr << "pull of " << node << " refused: "
                << (*res ? std::to_string((*res)->status) + " " + (*res)->body
                         : httplib::to_string(res->error()))
                << "\n";
      return "";
    }
    return nlohmann::json::parse((*res)->body, nullptr, false).value("request_id", "");
  }
  nlohmann::json pull_status(const std::string& id) const {
    return http_get_json(http_port, "/api/v1/pulls/" + id);
  }
  bool pull_finished(const std::string& id) const {
    auto p = pull_status(id);
    return p.is_object() && p.value("finished", false);
  }

  double metric(const std::string& sample) const { return test::metric(http_port, sample); }

  // The master's resident set in KiB (from /proc), 0 if it is gone.
  std::size_t master_rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(master->pid()) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    }
    return 0;
  }

  std::uint16_t http_port = 0;
  std::unique_ptr<child_process> master;
  std::unique_ptr<child_process> node_b;
};

}  // namespace peranda::test
