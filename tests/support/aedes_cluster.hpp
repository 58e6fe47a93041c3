// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace peranda::test {

// A redis-server and `members` aedes brokers sharing it (tests/cluster/
// broker.js, packages installed by scripts/test.sh into <build>/cluster),
// each on a free loopback port; every process stopped by PID.
class aedes_cluster {
 public:
  aedes_cluster(std::filesystem::path dir, std::size_t members,
                std::chrono::milliseconds heartbeat = std::chrono::milliseconds(500));

  std::size_t size() const { return members_.size(); }
  std::string url(std::size_t member) const;
  // The members' URLs as a TOML array, starting at `first` and wrapping:
  // each program gets every member, its own first.
  std::string url_list(std::size_t first) const;
  void kill9(std::size_t member);
  std::string log() const;

 private:
  struct member {
    std::uint16_t port = 0;
    std::unique_ptr<child_process> process;
  };
  std::filesystem::path dir_;
  std::unique_ptr<child_process> redis_;
  std::vector<member> members_;
};

}  // namespace peranda::test
