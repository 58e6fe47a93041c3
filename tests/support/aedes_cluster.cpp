// SPDX-License-Identifier: Apache-2.0
#include "tests/support/aedes_cluster.hpp"

#include <stdexcept>

#include "tests/support/broker.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {

aedes_cluster::aedes_cluster(std::filesystem::path dir, std::size_t members,
                             std::chrono::milliseconds heartbeat)
    : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  // Found on PATH (env execs them: the PID stays theirs). ES modules
  // resolve `aedes` next to the script, so it runs from the
  // folder holding node_modules.
  const auto packages = std::filesystem::path(PERANDA_BIN_DIR).parent_path() / "cluster";
  if (!std::filesystem::exists(packages / "node_modules" / "aedes")) {
    throw std::runtime_error("no aedes in " + packages.string() +
                             ": scripts/test.sh installs it (npm ci from tests/cluster)");
  }
  std::filesystem::copy_file(std::filesystem::path(PERANDA_SOURCE_DIR) / "tests/cluster/broker.js",
                             packages / "broker.js",
                             std::filesystem::copy_options::overwrite_existing);
  auto redis_port = free_port();
  redis_ = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/env", "redis-server", "--port", std::to_string(redis_port), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                               dir_.string()},
      dir_ / "redis.log");
  if (!wait_until([&] { return port_open(redis_port) || !redis_->running(); }) ||
      !redis_->running()) {
    throw std::runtime_error("redis-server did not start: " + redis_->log());
  }
  for (std::size_t i = 0; i < members; ++i) {
    member m;
    m.port = free_port();
    auto id = "member-" + std::to_string(i);
    m.process = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/bin/env", "node", (packages / "broker.js").string(), id,
                                 std::to_string(m.port), std::to_string(redis_port),
                                 std::to_string(heartbeat.count())},
        dir_ / (id + ".log"));
    if (!wait_until([&] { return port_open(m.port) || !m.process->running(); }) ||
        !m.process->running()) {
      throw std::runtime_error(id + " did not start: " + m.process->log());
    }
    members_.push_back(std::move(m));
  }
}

std::string aedes_cluster::url(std::size_t member) const {
  return "tcp://127.0.0.1:" + std::to_string(members_.at(member).port);
}

std::string aedes_cluster::url_list(std::size_t first) const {
  std::string out = "[";
  for (std::size_t i = 0; i < members_.size(); ++i) {
    out += (i ? ", \"" : "\"") + url((first + i) % members_.size()) + "\"";
  }
  return out + "]";
}

void aedes_cluster::kill9(std::size_t member) { members_.at(member).process->kill9(); }

std::string aedes_cluster::log() const {
  std::string out = "redis:\n" + redis_->log();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    out += "\nmember-" + std::to_string(i) + ":\n" + members_[i].process->log();
  }
  return out;
}

}  // namespace peranda::test
