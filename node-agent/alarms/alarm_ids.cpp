// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_ids.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/fs/durable_file.hpp"
#include "core/fs/sha256.hpp"
#include "core/runtime/random_hex.hpp"

namespace peranda::agent {
namespace {

constexpr std::size_t k_random_bytes = 16;
constexpr std::size_t k_key_hex = 2 * k_random_bytes;

bool is_key(std::string_view text) {
  return text.size() == k_key_hex &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

result<std::string> random_alarm_id() {
  auto hex = random_hex(k_random_bytes);
  if (!hex) return hex;
  return "a" + *hex;
}

result<std::string> load_or_create_id_key(const std::filesystem::path& file) {
  if (auto existing = read_file(file); existing && is_key(*existing)) return *existing;
  // Missing or damaged: a new key only changes the ids of lines read again
  // after a crash, which the master then journals a second time.
  auto key = random_hex(k_random_bytes);
  if (!key) return key;
  if (auto ok = ensure_directory(file.parent_path()); !ok) return std::unexpected(ok.error());
  if (auto ok = write_file_atomic(file, *key); !ok) return std::unexpected(ok.error());
  if (::chmod(file.c_str(), 0600) != 0) {
    return failf("cannot restrict '{}': {}", file.string(), std::strerror(errno));
  }
  return key;
}

std::string line_alarm_id(std::string_view key, std::string_view line_key) {
  return "f" + sha256_hex(fmt::format("{}\n{}", key, line_key)).substr(0, 40);
}

}  // namespace peranda::agent
