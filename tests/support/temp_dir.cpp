// SPDX-License-Identifier: Apache-2.0
#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace peranda::test {

temp_dir::temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "peranda-test-XXXXXX";
  std::string templ = base.string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

temp_dir::~temp_dir() {
  if (std::getenv("PERANDA_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace peranda::test
