// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace peranda::test {

// One wire message kind: a valid encoded sample, its decoder (verdict only)
// and the name of its JSON Schema in schemas/.
struct message_kind {
  std::string schema;
  std::string sample;
  std::function<bool(std::string_view)> decodes;
  std::function<std::string(std::string_view)> decode_error;
};

// Every JSON message of the protocol, each with realistic field values.
const std::vector<message_kind>& all_message_kinds();

// A sample with one list (or map) field changed: at its bound, one past it,
// empty where that is refused, or with one bad item. `valid` is the verdict
// both the decoder and the JSON Schema must reach.
struct list_case {
  const message_kind* kind;
  std::string label;
  std::string doc;
  bool valid;
};
std::vector<list_case> list_cases();

}  // namespace peranda::test
