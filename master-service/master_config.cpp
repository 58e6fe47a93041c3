// SPDX-License-Identifier: Apache-2.0
#include "master-service/master_config.hpp"

#include <vector>

#include "core/config/key_table.hpp"

#include "core/net/host_info.hpp"
#include "core/protocol/identifiers.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "master-service/http/host_allow_list.hpp"

namespace peranda::master {
namespace {

result<void> validate_encoding(std::string_view text) {
  if (text == "plain" || text == "zstd") return {};
  return failf("'{:.40}' is not \"plain\" or \"zstd\"", text);
}

result<void> relative_template(std::string_view t) {
  if (t.empty() || t.front() == '/' || t.find("..") != std::string_view::npos) {
    return fail("must be a relative path without '..'");
  }
  return {};
}

constexpr custom_field<master_config> k_listen_field{
    [](master_config& c, std::string_view text) -> result<void> {
      auto listen = parse_listen_address(std::string(text));
      if (!listen) return std::unexpected(listen.error());
      c.http_listen = *listen;
      return {};
    },
    [](const master_config& c) { return c.http_listen.authority(); }};

using master_key = config_key<master_config>;
constexpr std::uint64_t k_second_ms = 1000;

constexpr master_key k_master_keys[] = {
    {{"master", "id", key_type::string, "host name",
      "This master's id; requests carry it so answers reach the master that asked."},
     &master_config::id, {}, protocol::validate_node_id},
    {{"master", "data_dir", key_type::string, "",
      "Root of stored log files: `<data_dir>/<ip>/<node>/<file>` by default."},
     &master_config::data_dir, {}, absolute_path},
    {{"master", "workers", key_type::integer, "",
      "Number of worker queues (threads); a new node joins the shortest."},
     &master_config::workers, {1, 256}},
    {{"master", "pull_interval", key_type::duration, "",
      "How often each node's closed spool files are pulled."},
     &master_config::pull_interval, {k_second_ms}},
    {{"master", "beat_interval", key_type::duration, "",
      "How often this master publishes its status again; other masters and the agents take it "
      "as gone 1.5 beat intervals after its last one and share its nodes among themselves. Use "
      "the same value on every master of a fleet."},
     &master_config::beat_interval, {500, 600'000}},
    {{"master", "alarm_journal", key_type::string, "<data_dir>/alarms.jsonl",
      "Alarm journal: one JSON object per line, de-duplicated by (node, alarm id)."},
     &master_config::alarm_journal, {}, absolute_path},
    {{"master", "http_listen", key_type::string, "",
      "Address of the HTTP API: `a.b.c.d:port`, `[v6]:port` or `localhost:port` (host names are "
      "not resolved); off loopback it requires http_token_file."},
     k_listen_field},
    {{"master", "http_token_file", key_type::string, "",
      "File holding the bearer token the HTTP API requires: first line, >= 16 visible "
      "characters; a regular file (no symlink) owned by the master's user or root, not writable "
      "by group or others, not readable by others."}},
    {{"master", "http_allowed_hosts", key_type::string_list, "",
      "More `Host` names the HTTP API answers to (`name` or `name:port`), besides the listen "
      "address and, on loopback, localhost; others get 421 (DNS rebinding)."},
     &master_config::http_allowed_hosts, {}, validate_allowed_host},
    {{"master", "stale_after", key_type::duration, "",
      "A node without a heartbeat for this long is `stale` and not pulled, and the fleet alarm "
      "`lost` is raised about it (docs/master.md)."},
     &master_config::stale_after},
    {{"master", "forget_after", key_type::duration, "",
      "A node not heard from for this long is removed from the registry; longer than "
      "stale_after."},
     &master_config::forget_after},
    {{"master", "storage_template", key_type::string, "",
      "Directory of a node's files below data_dir; `{ip}` (self-reported by the node), `{node}`, "
      "`{date}` (UTC). Unless a whole level is `{node}`, a `<node>` folder is appended, so no "
      "two nodes ever share a folder."},
     &master_config::storage_template, {}, relative_template},
    {{"master", "min_free_bytes", key_type::bytes, "",
      "`/healthz` answers 503 (`disk_space_low`) while data_dir's file system has less free "
      "space than this; 0 turns the check off."},
     &master_config::min_free_bytes},
    {{"master", "chunk_size", key_type::bytes, "",
      "Chunk size asked of agents (64-256 KiB recommended)."},
     &master_config::chunk_size, {protocol::k_min_chunk_size, protocol::k_max_chunk_size}},
    {{"master", "window", key_type::integer, "", "Chunks an agent may have unacknowledged."},
     &master_config::window, {1, protocol::k_max_window}},
    {{"master", "max_transfers", key_type::integer, "",
      "Concurrent transfers (= open pulls); max_transfers x window must stay <= 256."},
     &master_config::max_transfers, {1}},
    {{"master", "max_file_size", key_type::bytes, "",
      "Larger uploads are rejected, by their size sent and their announced size decompressed "
      "(refusals counted as too_large)."},
     &master_config::max_file_size, {1}},
    {{"master", "accept_encodings", key_type::string_list, "[\"plain\", \"zstd\"]",
      "File encodings asked of agents in each request: `plain` is always taken; without `zstd` "
      "agents send their files decompressed (as to a master of an earlier release)."},
     &master_config::accept_encodings, {}, validate_encoding},
    {{"master", "store_compressed", key_type::boolean, "",
      "Store zstd uploads as received (`F.zst`, read with zstdcat); false: decompressed (`F`). "
      "Either way they are decompressed and verified before `complete`."},
     &master_config::store_compressed},
    {{"master", "max_pull_bytes", key_type::bytes, "",
      "Bytes one pull may upload; files beyond it are rejected (quota_pull) and stay on the "
      "node."},
     &master_config::max_pull_bytes, {1}},
    {{"master", "max_daily_bytes", key_type::bytes, "",
      "Bytes one node may upload per UTC day (>= max_pull_bytes); files beyond it are rejected "
      "(quota_day)."},
     &master_config::max_daily_bytes, {1}},
    {{"master", "transfer_idle_timeout", key_type::duration, "",
      "A transfer without progress (new chunks, the first `end`) this long is dropped (partial "
      "file removed); a request without a reply this long is given up."},
     &master_config::transfer_idle_timeout, {k_second_ms}},
    {{"master", "request_timeout", key_type::duration, "",
      "Deadline carried by a logs request; agents ignore it afterwards and the master closes "
      "the pull."},
     &master_config::request_timeout, {k_second_ms}},
    {{"master", "alarm_fsync", key_type::boolean, "",
      "Confirm an alarm to its agent only after an `fdatasync` of the journal covers its line "
      "(group commit)."},
     &master_config::alarm_fsync},
    {{"master", "alarm_hook", key_type::string_list, "",
      "Command (argv, no shell) run for every new alarm with its JSON on stdin."},
     &master_config::alarm_hook},
    {{"master", "alarm_hook_timeout", key_type::duration, "",
      "A hook running longer is killed (SIGKILL)."},
     &master_config::alarm_hook_timeout},
    {{"master", "alarm_hook_concurrency", key_type::integer, "",
      "Hooks running at once; beyond a backlog of 64, shared fairly by nodes, an alarm skips "
      "the hook (counted)."},
     &master_config::alarm_hook_concurrency, {1, 64}},
    {{"master", "alarm_rate", key_type::integer, "",
      "Alarms per second one node may send on average; more are refused (counted) and stay in "
      "its agent's outbox."},
     &master_config::alarm_rate, {1, 100'000}},
    {{"master", "alarm_burst", key_type::integer, "",
      "Alarms one node may send at once before alarm_rate applies."},
     &master_config::alarm_burst, {1, 1'000'000}},
    {{"master", "alarm_max_bytes", key_type::bytes, "",
      "A journal line longer than this has the alarm's `line` cut to fit (counted)."},
     &master_config::alarm_max_bytes, {1024, 64 * 1024}},
};

// Rotation of the alarm journal: keys of [master] filling alarm_journal_limits.
constexpr config_key<journal_limits> k_journal_keys[] = {
    {{"master", "alarm_journal_max_bytes", key_type::bytes, "",
      "The journal is rotated before it grows past this."},
     &journal_limits::max_bytes, {64 * 1024, 64ull << 30}},
    {{"master", "alarm_journal_max_age", key_type::duration, "",
      "The journal is rotated at the first alarm once its first line is this old."},
     &journal_limits::max_age, {k_second_ms}},
    {{"master", "alarm_journal_keep", key_type::integer, "",
      "Rotated journal files kept; older ones are deleted."},
     &journal_limits::keep, {1, 10'000}},
};

const std::vector<key_spec>& all_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out(broker_keys().begin(), broker_keys().end());
    describe_defaults<master_config>(out, k_master_keys);
    describe_defaults<journal_limits>(out, k_journal_keys);
    return out;
  }();
  return keys;
}

// Checks across keys; each key's own range is in the tables.
result<void> check_combinations(const config_section& m, master_config& c) {
  if (!c.http_listen.is_loopback() && c.http_token.empty()) {
    return std::unexpected(
        m.error_at("http_listen",
                   fmt::format("listening off loopback ({}) requires http_token_file",
                               c.http_listen.authority())));
  }
  if (c.forget_after <= c.stale_after) {
    return std::unexpected(m.error_at("forget_after", "must be longer than stale_after"));
  }
  if (static_cast<std::uint64_t>(c.max_transfers) * c.window > k_max_invited_chunks) {
    return std::unexpected(m.error_at(
        "max_transfers", fmt::format("max_transfers x window must be <= {}", k_max_invited_chunks)));
  }
  if (c.max_daily_bytes < c.max_pull_bytes) {
    return std::unexpected(m.error_at("max_daily_bytes", "must be at least max_pull_bytes"));
  }
  return {};
}

}  // namespace

std::span<const key_spec> master_keys() { return all_keys(); }

result<master_config> build_master_config(const config_document& doc,
                                          token_file_owner token_owner) {
  master_config c;
  auto broker = load_broker_settings(doc.section("broker"));
  if (!broker) return std::unexpected(broker.error());
  c.broker = std::move(*broker);

  const auto& m = doc.section("master");
  if (auto ok = load_keys<master_config>(m, k_master_keys, c); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = load_keys<journal_limits>(m, k_journal_keys, c.alarm_journal_limits); !ok) {
    return std::unexpected(ok.error());
  }
  auto node_id = [] { return protocol::node_id_from_hostname(host_name()); };
  if (auto ok = compute_default(m, "id", c.id, node_id, protocol::validate_node_id); !ok) {
    return std::unexpected(ok.error());
  }
  if (c.alarm_journal.empty()) c.alarm_journal = c.data_dir / "alarms.jsonl";
  if (auto file = m.string_or("http_token_file", ""); !file.empty()) {
    auto token = read_token_file(file, token_owner);
    if (!token) return std::unexpected(m.error_at("http_token_file", token.error().message));
    c.http_token = std::move(*token);
  }
  if (auto ok = check_combinations(m, c); !ok) return std::unexpected(ok.error());
  return c;
}

result<master_config> load_master_config(const std::filesystem::path& path,
                                         token_file_owner token_owner) {
  auto doc = config_document::load(path, master_keys());
  if (!doc) return std::unexpected(doc.error());
  return build_master_config(*doc, token_owner);
}

}  // namespace peranda::master
