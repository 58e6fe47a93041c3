// SPDX-License-Identifier: Apache-2.0
#include "tests/support/zstd_bytes.hpp"

#include <boost/test/unit_test.hpp>

#include "core/compress/zstd_stream.hpp"

namespace peranda::test {

std::string zstd_of(std::string_view raw) {
  zstd_compressor c(1);
  std::string out;
  BOOST_REQUIRE(c.update(raw, out));
  BOOST_REQUIRE(c.finish(out));
  return out;
}

}  // namespace peranda::test
