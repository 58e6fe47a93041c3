// SPDX-License-Identifier: Apache-2.0
// Item 12 of issue 14: scripts/provision-node.sh gave a node id that is a
// master's or an edge's user name a password, and with it that user's ACL
// block. Names with a `user` block in the ACL are masters and edges: a node
// may never have one, a master or edge must.
#define BOOST_TEST_MODULE provisioning
#include <boost/test/unit_test.hpp>

#include "tests/support/ops_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace peranda::test {
namespace {

struct broker_host {
  broker_host() { std::filesystem::copy_file(source_path("broker-config/acl"), dir / "acl"); }

  // provision-node.sh with the password file next to the ACL (its default).
  run_result provision(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"/bin/bash", source_path("scripts/provision-node.sh"),
                                     "-p",        (dir / "passwd").string(),
                                     "-o",        (dir / "creds").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, dir / "provision.log");
  }

  std::string passwd() const { return read_text(dir / "passwd"); }

  temp_dir dir;
};

bool says(const run_result& r, const std::string& part) {
  return r.output.find(part) != std::string::npos;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(provisioning, broker_host)

BOOST_AUTO_TEST_CASE(master_and_edge_names_are_never_node_ids) {
  BOOST_REQUIRE_EQUAL(provision({"--role", "master", "master-1"}).status, 0);
  BOOST_REQUIRE_EQUAL(provision({"--role", "edge", "edge-site-1"}).status, 0);
  BOOST_REQUIRE_EQUAL(provision({"node-a"}).status, 0);
  auto before = passwd();

  for (const char* name : {"master-1", "edge-site-1"}) {
    auto as_node = provision({name});
    BOOST_CHECK_EQUAL(as_node.status, 2);
    BOOST_CHECK_MESSAGE(says(as_node, "never a node id"), as_node.output);
    auto explicit_node = provision({"--role", "node", name});
    BOOST_CHECK_EQUAL(explicit_node.status, 2);
  }
  // Refused means untouched: master-1's password still works.
  BOOST_CHECK(passwd() == before);
}

BOOST_AUTO_TEST_CASE(masters_and_edges_need_their_acl_block) {
  for (const char* role : {"master", "edge"}) {
    auto r = provision({"--role", role, "node-a"});
    BOOST_CHECK_EQUAL(r.status, 2);
    BOOST_CHECK_MESSAGE(says(r, "no 'user node-a' block"), r.output);
  }
  BOOST_CHECK(!std::filesystem::exists(dir / "passwd"));
  auto bad = provision({"--role", "admin", "node-a"});
  BOOST_CHECK_EQUAL(bad.status, 2);
  BOOST_CHECK_MESSAGE(says(bad, "--role must be"), bad.output);
}

BOOST_AUTO_TEST_CASE(the_acl_is_required_and_may_be_named) {
  std::filesystem::rename(dir / "acl", dir / "elsewhere.acl");
  auto missing = provision({"node-a"});
  BOOST_CHECK_EQUAL(missing.status, 2);
  BOOST_CHECK_MESSAGE(says(missing, "--acl"), missing.output);
  auto named = provision({"--acl", (dir / "elsewhere.acl").string(), "master-1"});
  BOOST_CHECK_EQUAL(named.status, 2);
  BOOST_CHECK_EQUAL(provision({"--acl", (dir / "elsewhere.acl").string(), "node-a"}).status, 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace peranda::test
