// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

namespace peranda {

// Parses the command line. nullopt: go on. Otherwise the program's exit
// code: 0 after --help, 2 after a usage error (printed with the program's
// name), as for a bad configuration.
[[nodiscard]] std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

}  // namespace peranda
