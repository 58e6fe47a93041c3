// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "core/config/config_document.hpp"
#include "core/error.hpp"
#include "core/mqtt/session.hpp"

namespace peranda {

// The [broker] section, shared by every program.
struct broker_settings {
  // Brokers in the order tried: the first that answers is used; when its
  // connection drops the session fails over along the list. Never empty;
  // all TLS or all plain.
  std::vector<std::string> urls{"tcp://127.0.0.1:1883"};
  std::string username;
  std::string password;  // read from password_file, never from the config
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string topic_root = "peranda/v1";
  std::chrono::seconds keepalive{30};

  // Session options with everything but client id, will and limits.
  mqtt_session::options session_options() const;
  // The list for log lines: "tcp://a:1883, tcp://b:1883".
  std::string url_text() const;
};

std::span<const key_spec> broker_keys();

// Reads and validates [broker]: each URL's scheme and address (one TLS
// setting for the whole list), topic root, keepalive range,
// readable TLS files; reads the password file (which must not be readable
// by others).
[[nodiscard]] result<broker_settings> load_broker_settings(const config_section& section);

}  // namespace peranda
