// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>

#include "core/error.hpp"
#include "node-agent/agent_config.hpp"

namespace peranda::agent {

// `peranda-agent --check-connection`: connects once, step by step, and says
// in plain words which step fails and what usually causes it — the name
// does not resolve, nothing listens (refused) or nothing answers, the TLS
// certificate is not trusted or does not name the host, the broker refuses
// the user name or password, or the ACL does not let this node read or
// write its own topics. The ACL check subscribes to the node's heartbeat
// topic and publishes an empty, non-retained probe there: only a message
// that comes back proves both directions (MQTT 3.1.1 acknowledges a denied
// publish as if it had gone through). An empty non-retained message leaves
// the retained heartbeat alone; a running agent answers it by publishing
// `online` again, and the master ignores empty heartbeats.
// Prints one line per step that passed to `out`. Uses a client id of its
// own (`<user>:check-<pid>`), so a running agent with the same node id is not
// disconnected.
[[nodiscard]] result<void> check_connection(const agent_config& config, std::FILE* out);

}  // namespace peranda::agent
