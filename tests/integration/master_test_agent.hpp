// SPDX-License-Identifier: Apache-2.0
// The master's integration tests play their nodes with test_agent
// (tests/support/test_agent.hpp); open_pull lets one upload by hand.
#pragma once

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

// What the master's tests build and read besides test_agent's own types.
#include "core/fs/sha256.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "core/util/clock.hpp"
#include "tests/integration/master_fixture.hpp"
#include "tests/support/test_agent.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {

// Asks `m` for a pull of the agent's node and accepts it announcing
// `files`; returns the request id once the master knows the reply, so a
// test may upload those files by hand under it.
inline std::string open_pull(const master_fixture& m, test_agent& agent,
                             const std::vector<std::string>& files) {
  auto id = m.pull(agent.node());
  BOOST_REQUIRE(!id.empty());
  auto req = agent.accept_request(id, files, std::chrono::seconds(60));
  BOOST_REQUIRE(req && req->request_id == id);
  BOOST_REQUIRE(wait_until([&] {
    auto p = m.pull_status(id);
    return p.is_object() && p.value("status", "") == "accepted";
  }));
  return id;
}

}  // namespace peranda::test
