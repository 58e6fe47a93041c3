// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/config/config_document.hpp"
#include "core/error.hpp"
#include "node-agent/rules/rule_engine.hpp"

namespace peranda::agent {

std::span<const key_spec> rule_keys();

// Validates every [[rule]]: unique valid names, patterns RE2 accepts, known
// severities, sources that exist, sane threshold and durations. Errors name
// file, line and key.
[[nodiscard]] result<std::vector<rule_settings>> load_rules(
    const std::vector<config_section>& tables, const std::vector<std::string>& source_names);

}  // namespace peranda::agent
