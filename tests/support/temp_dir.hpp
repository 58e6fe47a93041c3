// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

namespace peranda::test {

// A fresh directory under $TMPDIR, removed on destruction unless
// PERANDA_KEEP_TEST_DIRS is set (to inspect a failure).
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

}  // namespace peranda::test
