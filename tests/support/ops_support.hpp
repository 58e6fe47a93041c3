// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the ops_*_test programs (header-only: each integration
// test is its own executable built from one .cpp).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {

struct run_result {
  int status = -1;  // exit code, 128+signal, or -1 if it did not finish
  std::string output;
};

// Runs a program to completion; stdout and stderr land in `log`.
inline run_result run(std::vector<std::string> argv, const std::filesystem::path& log,
                      std::vector<std::string> env = {}) {
  std::filesystem::remove(log);
  child_process p(std::move(argv), log, std::move(env));
  int status = p.wait_exit(k_deadline);
  return {status, p.log()};
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

inline std::string source_path(const std::string& relative) {
  return std::string(PERANDA_SOURCE_DIR) + "/" + relative;
}

}  // namespace peranda::test
