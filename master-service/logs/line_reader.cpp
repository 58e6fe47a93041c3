// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/line_reader.hpp"

#include "master-service/logs/log_line_reader.hpp"

namespace peranda::master {

result<std::unique_ptr<line_reader>> open_line_reader(const std::filesystem::path& path) {
  return log_line_reader::open(path);
}

}  // namespace peranda::master
