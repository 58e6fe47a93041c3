// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/topic_filter.hpp"

namespace peranda::mqtt_session {
namespace {

// The next level of `s` (up to '/'), advancing `s` past it and its '/';
// `more` tells whether a '/' followed.
std::string_view next_level(std::string_view& s, bool& more) {
  auto slash = s.find('/');
  auto level = s.substr(0, slash);
  more = slash != std::string_view::npos;
  s = more ? s.substr(slash + 1) : std::string_view();
  return level;
}

}  // namespace

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#'))) {
    return false;
  }
  bool filter_more = true;
  bool topic_more = true;
  while (filter_more) {
    auto f = next_level(filter, filter_more);
    if (f == "#") return true;  // also matches the parent level itself
    if (!topic_more) return false;
    auto t = next_level(topic, topic_more);
    if (f != "+" && f != t) return false;
  }
  return !topic_more;
}

}  // namespace peranda::mqtt_session
