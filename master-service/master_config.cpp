// SPDX-License-Identifier: Apache-2.0
#include "master-service/master_config.hpp"

#include <vector>

#include "core/net/host_info.hpp"
#include "core/protocol/identifiers.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "master-service/http/host_allow_list.hpp"

namespace peranda::master {
namespace {

constexpr key_spec k_master_keys[] = {
    {"master", "id", key_type::string, "host name",
     "This master's id; requests carry it so answers reach the master that asked."},
    {"master", "data_dir", key_type::string, "/var/lib/peranda/data",
     "Root of stored log files: `<data_dir>/<ip>/<node>/<file>` by default."},
    {"master", "workers", key_type::integer, "4",
     "Number of worker queues (threads); a new node joins the shortest."},
    {"master", "pull_interval", key_type::duration, "5m",
     "How often each node's closed spool files are pulled."},
    {"master", "alarm_journal", key_type::string, "<data_dir>/alarms.jsonl",
     "Alarm journal: one JSON object per line, de-duplicated by (node, alarm id)."},
    {"master", "http_listen", key_type::string, "127.0.0.1:8641",
     "Address of the HTTP API: `a.b.c.d:port`, `[v6]:port` or `localhost:port` (host names are "
     "not resolved); off loopback it requires http_token_file."},
    {"master", "http_token_file", key_type::string, "",
     "File holding the bearer token the HTTP API requires: first line, >= 16 visible characters; "
     "a regular file (no symlink) owned by the master's user or root, not writable by group or "
     "others, not readable by others."},
    {"master", "http_allowed_hosts", key_type::string_list, "",
     "More `Host` names the HTTP API answers to (`name` or `name:port`), besides the listen "
     "address and, on loopback, localhost; others get 421 (DNS rebinding)."},
    {"master", "stale_after", key_type::duration, "60s",
     "A node without a heartbeat for this long is `stale` and not pulled."},
    {"master", "forget_after", key_type::duration, "7d",
     "A node not heard from for this long is removed from the registry."},
    {"master", "storage_template", key_type::string, "{ip}/{node}",
     "Directory of a node's files below data_dir; `{ip}` (self-reported by the node), `{node}`, "
     "`{date}` (UTC). Unless a whole level is `{node}`, a `<node>` folder is appended, so no "
     "two nodes ever share a folder."},
    {"master", "chunk_size", key_type::bytes, "64KiB",
     "Chunk size asked of agents (512 B - 1 MiB; 64-256 KiB recommended)."},
    {"master", "window", key_type::integer, "8", "Chunks an agent may have unacknowledged (1-64)."},
    {"master", "max_transfers", key_type::integer, "8",
     "Concurrent transfers (= open pulls); max_transfers x window must stay <= 256."},
    {"master", "max_file_size", key_type::bytes, "1GiB", "Larger uploads are rejected."},
    {"master", "max_pull_bytes", key_type::bytes, "4GiB",
     "Bytes one pull may upload; files beyond it are rejected (quota_pull) and stay on the node."},
    {"master", "max_daily_bytes", key_type::bytes, "32GiB",
     "Bytes one node may upload per UTC day; files beyond it are rejected (quota_day)."},
    {"master", "transfer_idle_timeout", key_type::duration, "2m",
     "A transfer without traffic for this long is dropped (partial file removed)."},
    {"master", "request_timeout", key_type::duration, "10m",
     "Deadline of a logs request; agents ignore it afterwards."},
    {"master", "alarm_fsync", key_type::boolean, "true",
     "fsync the alarm journal after every alarm."},
    {"master", "alarm_hook", key_type::string_list, "",
     "Command (argv, no shell) run for every new alarm with its JSON on stdin."},
    {"master", "alarm_hook_timeout", key_type::duration, "10s", "A hook running longer is killed."},
    {"master", "alarm_hook_concurrency", key_type::integer, "2",
     "Hooks running at once; beyond a backlog of 64, shared fairly by nodes, an alarm skips "
     "the hook (counted)."},
    {"master", "alarm_rate", key_type::integer, "200",
     "Alarms per second one node may send on average (1-100000); more are refused (counted) "
     "and stay in its agent's outbox."},
    {"master", "alarm_burst", key_type::integer, "1000",
     "Alarms one node may send at once before alarm_rate applies (1-1000000)."},
    {"master", "alarm_max_bytes", key_type::bytes, "8KiB",
     "A journal line longer than this (1-64 KiB) has the alarm's `line` cut to fit (counted)."},
    {"master", "alarm_journal_max_bytes", key_type::bytes, "64MiB",
     "The journal is rotated before it grows past this (64 KiB - 64 GiB)."},
    {"master", "alarm_journal_max_age", key_type::duration, "1d",
     "The journal is rotated at the first alarm once its first line is this old (>= 1s)."},
    {"master", "alarm_journal_keep", key_type::integer, "10",
     "Rotated journal files kept (1-10000); older ones are deleted."},
};

const std::vector<key_spec>& all_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out(broker_keys().begin(), broker_keys().end());
    out.insert(out.end(), std::begin(k_master_keys), std::end(k_master_keys));
    return out;
  }();
  return keys;
}

result<void> load_alarm_keys(const config_section& m, master_config& c) {
  c.alarm_fsync = m.boolean_or("alarm_fsync", c.alarm_fsync);
  c.alarm_hook = m.list_or("alarm_hook", {});
  c.alarm_hook_timeout = m.duration_or("alarm_hook_timeout", c.alarm_hook_timeout);
  auto hooks = m.integer_or("alarm_hook_concurrency", 2);
  if (hooks < 1 || hooks > 64) {
    return std::unexpected(m.error_at("alarm_hook_concurrency", "must be between 1 and 64"));
  }
  c.alarm_hook_concurrency = static_cast<unsigned>(hooks);
  auto rate = m.integer_or("alarm_rate", c.alarm_rate);
  if (rate < 1 || rate > 100'000) {
    return std::unexpected(m.error_at("alarm_rate", "must be between 1 and 100000"));
  }
  c.alarm_rate = static_cast<unsigned>(rate);
  auto burst = m.integer_or("alarm_burst", c.alarm_burst);
  if (burst < 1 || burst > 1'000'000) {
    return std::unexpected(m.error_at("alarm_burst", "must be between 1 and 1000000"));
  }
  c.alarm_burst = static_cast<unsigned>(burst);
  c.alarm_max_bytes = m.bytes_or("alarm_max_bytes", c.alarm_max_bytes);
  if (c.alarm_max_bytes < 1024 || c.alarm_max_bytes > 64 * 1024) {
    return std::unexpected(m.error_at("alarm_max_bytes", "must be between 1KiB and 64KiB"));
  }
  auto& j = c.alarm_journal_limits;
  j.max_bytes = m.bytes_or("alarm_journal_max_bytes", j.max_bytes);
  if (j.max_bytes < 64 * 1024 || j.max_bytes > (64ull << 30)) {
    return std::unexpected(
        m.error_at("alarm_journal_max_bytes", "must be between 64KiB and 64GiB"));
  }
  j.max_age = m.duration_or("alarm_journal_max_age", j.max_age);
  if (j.max_age < std::chrono::seconds(1)) {
    return std::unexpected(m.error_at("alarm_journal_max_age", "must be at least 1s"));
  }
  auto keep = m.integer_or("alarm_journal_keep", j.keep);
  if (keep < 1 || keep > 10'000) {
    return std::unexpected(m.error_at("alarm_journal_keep", "must be between 1 and 10000"));
  }
  j.keep = static_cast<unsigned>(keep);
  return {};
}

result<void> load_transfer_keys(const config_section& m, master_config& c) {
  c.storage_template = m.string_or("storage_template", c.storage_template);
  if (c.storage_template.empty() || c.storage_template.front() == '/' ||
      c.storage_template.find("..") != std::string::npos) {
    return std::unexpected(m.error_at("storage_template", "must be a relative path without '..'"));
  }
  auto chunk = m.bytes_or("chunk_size", c.chunk_size);
  if (chunk < protocol::k_min_chunk_size || chunk > protocol::k_max_chunk_size) {
    return std::unexpected(m.error_at("chunk_size", "must be between 512 B and 1 MiB"));
  }
  c.chunk_size = static_cast<std::uint32_t>(chunk);
  auto window = m.integer_or("window", c.window);
  if (window < 1 || window > protocol::k_max_window) {
    return std::unexpected(m.error_at("window", "must be between 1 and 64"));
  }
  c.window = static_cast<std::uint32_t>(window);
  auto transfers = m.integer_or("max_transfers", c.max_transfers);
  if (transfers < 1 || static_cast<std::uint64_t>(transfers) * c.window > k_max_invited_chunks) {
    return std::unexpected(m.error_at(
        "max_transfers",
        fmt::format("must be >= 1 with max_transfers x window <= {}", k_max_invited_chunks)));
  }
  c.max_transfers = static_cast<unsigned>(transfers);
  c.max_file_size = m.bytes_or("max_file_size", c.max_file_size);
  if (c.max_file_size == 0) return std::unexpected(m.error_at("max_file_size", "must be > 0"));
  c.max_pull_bytes = m.bytes_or("max_pull_bytes", c.max_pull_bytes);
  if (c.max_pull_bytes == 0) return std::unexpected(m.error_at("max_pull_bytes", "must be > 0"));
  c.max_daily_bytes = m.bytes_or("max_daily_bytes", c.max_daily_bytes);
  if (c.max_daily_bytes < c.max_pull_bytes) {
    return std::unexpected(m.error_at("max_daily_bytes", "must be at least max_pull_bytes"));
  }
  c.transfer_idle_timeout = m.duration_or("transfer_idle_timeout", c.transfer_idle_timeout);
  c.request_timeout = m.duration_or("request_timeout", c.request_timeout);
  if (c.transfer_idle_timeout < std::chrono::seconds(1) ||
      c.request_timeout < std::chrono::seconds(1)) {
    return std::unexpected(m.error_at("transfer_idle_timeout", "timeouts must be at least 1s"));
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
  c.id = m.string_or("id", protocol::node_id_from_hostname(host_name()));
  if (auto ok = protocol::validate_node_id(c.id); !ok) {
    return std::unexpected(m.error_at("id", ok.error().message));
  }
  c.data_dir = m.string_or("data_dir", c.data_dir.string());
  if (c.data_dir.is_relative()) {
    return std::unexpected(m.error_at("data_dir", "must be an absolute path"));
  }
  auto workers = m.integer_or("workers", 4);
  if (workers < 1 || workers > 256) {
    return std::unexpected(m.error_at("workers", "must be between 1 and 256"));
  }
  c.workers = static_cast<unsigned>(workers);
  c.pull_interval = m.duration_or("pull_interval", c.pull_interval);
  if (c.pull_interval < std::chrono::seconds(1)) {
    return std::unexpected(m.error_at("pull_interval", "must be at least 1s"));
  }
  c.alarm_journal = m.string_or("alarm_journal", (c.data_dir / "alarms.jsonl").string());
  if (c.alarm_journal.is_relative()) {
    return std::unexpected(m.error_at("alarm_journal", "must be an absolute path"));
  }
  auto listen = parse_listen_address(m.string_or("http_listen", "127.0.0.1:8641"));
  if (!listen) return std::unexpected(m.error_at("http_listen", listen.error().message));
  c.http_listen = *listen;
  if (auto file = m.string_or("http_token_file", ""); !file.empty()) {
    auto token = read_token_file(file, token_owner);
    if (!token) return std::unexpected(m.error_at("http_token_file", token.error().message));
    c.http_token = std::move(*token);
  }
  if (!c.http_listen.is_loopback() && c.http_token.empty()) {
    return std::unexpected(
        m.error_at("http_listen",
                   fmt::format("listening off loopback ({}) requires http_token_file",
                               c.http_listen.authority())));
  }
  c.http_allowed_hosts = m.list_or("http_allowed_hosts", {});
  for (const auto& h : c.http_allowed_hosts) {
    if (auto ok = validate_allowed_host(h); !ok) {
      return std::unexpected(m.error_at("http_allowed_hosts", ok.error().message));
    }
  }
  c.stale_after = m.duration_or("stale_after", c.stale_after);
  c.forget_after = m.duration_or("forget_after", c.forget_after);
  if (c.forget_after <= c.stale_after) {
    return std::unexpected(m.error_at("forget_after", "must be longer than stale_after"));
  }
  if (auto ok = load_transfer_keys(m, c); !ok) return std::unexpected(ok.error());
  if (auto ok = load_alarm_keys(m, c); !ok) return std::unexpected(ok.error());
  return c;
}

result<master_config> load_master_config(const std::filesystem::path& path,
                                         token_file_owner token_owner) {
  auto doc = config_document::load(path, master_keys());
  if (!doc) return std::unexpected(doc.error());
  return build_master_config(*doc, token_owner);
}

}  // namespace peranda::master
