// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace peranda::test {

// `raw` as one zstd frame (level 1), for tests that upload compressed
// bytes by hand.
std::string zstd_of(std::string_view raw);

}  // namespace peranda::test
