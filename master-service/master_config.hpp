// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/compress/encoding.hpp"
#include "core/config/broker_settings.hpp"
#include "core/config/config_document.hpp"
#include "core/error.hpp"
#include "master-service/alarms/journal_limits.hpp"
#include "master-service/http/bearer_token.hpp"
#include "master-service/http/listen_address.hpp"

namespace peranda::master {

// Everything peranda-master reads from its TOML file, validated once.
struct master_config {
  broker_settings broker;
  std::string id;  // default: sanitised host name
  std::filesystem::path data_dir = "/var/lib/peranda/data";
  unsigned workers = 4;
  std::chrono::milliseconds pull_interval{std::chrono::minutes(5)};
  // How often this master publishes its status again (its beat): peers
  // take it as gone 1.5 beats after its last one (docs/master.md, "Several masters").
  std::chrono::milliseconds beat_interval{std::chrono::seconds(5)};
  std::filesystem::path alarm_journal;  // default: data_dir/alarms.jsonl
  listen_address http_listen;
  std::string http_token;  // read from http_token_file; required off loopback
  std::vector<std::string> http_allowed_hosts;  // more `Host` names the API answers to
  std::chrono::milliseconds stale_after{std::chrono::seconds(60)};
  std::chrono::milliseconds forget_after{std::chrono::hours(24 * 7)};
  // Storage: directory template below data_dir ({ip}, {node}, {date}).
  std::string storage_template = "{ip}/{node}";
  // /healthz reports disk_space_low below this many free bytes (0: never).
  std::uint64_t min_free_bytes = 256ull << 20;
  // Transfers: what a request invites and what the receiver accepts.
  std::uint32_t chunk_size = 64 * 1024;
  std::uint32_t window = 8;
  unsigned max_transfers = 8;  // concurrent; x window stays far below broker queues
  std::uint64_t max_file_size = 1ull << 30;  // on the wire and decompressed
  // Encodings asked of agents ("plain" always); zstd files are verified by
  // decompressing, then stored as received or decompressed.
  std::vector<std::string> accept_encodings{"plain", "zstd"};
  bool store_compressed = true;
  // Per-node quotas: bytes one pull, and one node per UTC day, may upload.
  std::uint64_t max_pull_bytes = 4ull << 30;
  std::uint64_t max_daily_bytes = 32ull << 30;
  std::chrono::milliseconds transfer_idle_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds request_timeout{std::chrono::minutes(10)};
  // Alarms.
  bool alarm_fsync = true;

  bool accepts(encoding e) const {
    return e == encoding::plain ||
           std::ranges::find(accept_encodings, to_string(e)) != accept_encodings.end();
  }
  std::vector<std::string> alarm_hook;  // argv; empty: no hook
  std::chrono::milliseconds alarm_hook_timeout{std::chrono::seconds(10)};
  unsigned alarm_hook_concurrency = 2;
  // Per node: alarms per second on average, and at once (a token bucket).
  unsigned alarm_rate = 200;
  unsigned alarm_burst = 1000;
  std::uint64_t alarm_max_bytes = 8 * 1024;  // per journal line; `line` is cut to fit
  journal_limits alarm_journal_limits;       // rotation of alarm_journal
};

// Upper bound of max_transfers x window: far below mosquitto's default
// max_queued_messages (1000), so the broker never has to drop a chunk.
inline constexpr std::uint64_t k_max_invited_chunks = 256;

std::span<const key_spec> master_keys();

// `token_owner`: see token_file_owner; peranda-ctl passes `anyone`.
[[nodiscard]] result<master_config> load_master_config(
    const std::filesystem::path& path,
    token_file_owner token_owner = token_file_owner::this_user_or_root);
[[nodiscard]] result<master_config> build_master_config(
    const config_document& doc, token_file_owner token_owner = token_file_owner::this_user_or_root);

}  // namespace peranda::master
