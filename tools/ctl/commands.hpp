// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/error.hpp"
#include "tools/ctl/api_client.hpp"

namespace peranda::ctl {

// `peranda-ctl nodes`: a table of nodes (or the API's JSON).
[[nodiscard]] result<void> print_nodes(const api_client& client, bool json);

}  // namespace peranda::ctl
