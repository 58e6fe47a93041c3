// SPDX-License-Identifier: Apache-2.0
// The config loader (TOML parser, key tables, validation of both programs)
// on untrusted text: a config or an error naming file and line, nothing else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/config/config_document.hpp"
#include "core/log/log.hpp"
#include "master-service/master_config.hpp"
#include "node-agent/agent_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peranda;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto doc = config_document::parse(text, "fuzz.toml", agent::agent_keys())) {
    (void)agent::build_agent_config(*doc);
  } else if (doc.error().message.rfind("fuzz.toml:", 0) != 0) {
    __builtin_trap();  // every parse error names the file and line
  }
  if (auto doc = config_document::parse(text, "fuzz.toml", master::master_keys())) {
    (void)master::build_master_config(*doc);
  }
  return 0;
}
