// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <span>
#include <string>

#include "core/config/config_document.hpp"
#include "core/error.hpp"
#include "core/mqtt/session.hpp"

namespace peranda {

// The [broker] section, shared by every program.
struct broker_settings {
  std::string url = "tcp://127.0.0.1:1883";
  std::string username;
  std::string password;  // read from password_file, never from the config
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string topic_root = "peranda/v1";
  std::chrono::seconds keepalive{30};

  // Session options with everything but client id, will and limits.
  mqtt_session::options session_options() const;
};

std::span<const key_spec> broker_keys();

// Reads and validates [broker]: URL scheme, topic root, keepalive range,
// readable TLS files; reads the password file (which must not be readable
// by others).
[[nodiscard]] result<broker_settings> load_broker_settings(const config_section& section);

}  // namespace peranda
