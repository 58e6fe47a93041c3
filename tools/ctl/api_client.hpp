// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::ctl {

// A thin client of the master's HTTP API. Every failure is a sentence an
// operator can act on ("cannot reach the master at ...").
class api_client {
 public:
  api_client(std::string base_url, std::string token);

  [[nodiscard]] result<nlohmann::json> get(const std::string& path) const;
  [[nodiscard]] result<nlohmann::json> post(const std::string& path) const;
  // GET of a streamed response; `on_data` gets each piece and returns false
  // to stop. Returns when the stream ends.
  [[nodiscard]] result<void> stream(const std::string& path,
                                    const std::function<bool(std::string_view)>& on_data) const;

 private:
  std::string base_url_;
  std::string token_;
};

}  // namespace peranda::ctl
