// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace peranda::protocol {

// Node and master ids: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, never "..". They are
// used verbatim as one MQTT topic level, an MQTT client id and a directory
// name, so anything that could be a wildcard, a separator or a parent
// reference is refused.
[[nodiscard]] result<void> validate_node_id(std::string_view id);

// Transfer and request ids: [A-Za-z0-9_-]{1,64}.
[[nodiscard]] result<void> validate_token_id(std::string_view id);

// Spool and stored file names: see is_safe_file_name (core/fs/safe_path.hpp).
[[nodiscard]] result<void> validate_file_name(std::string_view name);

// A SHA-256 digest: 64 lower-case hex digits.
[[nodiscard]] result<void> validate_sha256(std::string_view hex);

// An IPv4 or IPv6 address in text form.
[[nodiscard]] result<void> validate_ip_address(std::string_view ip);

// A node id derived from a host name: invalid characters become '-', the
// result is cut to 64 characters and never empty ("node" if nothing is left).
[[nodiscard]] std::string node_id_from_hostname(std::string_view hostname);

}  // namespace peranda::protocol
