// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

namespace peranda::mqtt_session {

// Whether `topic` matches the subscription `filter` by MQTT 3.1.1's rules
// (4.7): '+' is one whole level, '#' (last) is the parent level and all
// below it; wildcards never match a topic starting with '$'.
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace peranda::mqtt_session
