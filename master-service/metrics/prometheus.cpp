// SPDX-License-Identifier: Apache-2.0
#include "master-service/metrics/prometheus.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "master-service/metrics/counters.hpp"
#include "master-service/receiver/receiver.hpp"
#include "master-service/registry/registry.hpp"
#include "master-service/scheduler/scheduler.hpp"

namespace peranda::master {
namespace {

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void labelled(std::string& out, std::string_view name, std::string_view label,
              const std::map<std::string, std::uint64_t>& values, std::string_view help) {
  header(out, name, "counter", help);
  for (const auto& [value, count] : values) {
    out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, value, count);
  }
}

void single(std::string& out, std::string_view name, std::string_view type, double value,
            std::string_view help) {
  header(out, name, type, help);
  out += fmt::format("{} {}\n", name, value);
}

}  // namespace

void append_labelled_counter(std::string& out, std::string_view name, std::string_view label,
                             const std::map<std::string, std::uint64_t>& values,
                             std::string_view help) {
  labelled(out, name, label, values, help);
}

std::string render_metrics(const api_sources& src, std::chrono::steady_clock::time_point now) {
  std::string out;
  single(out, "peranda_broker_connected", "gauge", src.broker_connected() ? 1 : 0,
         "1 while the master is connected to the broker.");
  auto mqtt = src.mqtt_counters();
  single(out, "peranda_mqtt_fresh_clients_total", "counter",
         static_cast<double>(mqtt.fresh_clients),
         "Paho clients replaced because the connection kept dropping right after CONNACK.");
  single(out, "peranda_mqtt_slot_waits_given_up_total", "counter",
         static_cast<double>(mqtt.slot_waits_given_up),
         "Publishes that waited slot_wait for an in-flight slot and gave up (resent later).");
  single(out, "peranda_mqtt_broker_switches_total", "counter",
         static_cast<double>(mqtt.broker_switches),
         "Connections made to a different broker of [broker] url than the one before.");
  std::map<std::string, std::uint64_t> states{
      {"online", 0}, {"offline", 0}, {"lost", 0}, {"stale", 0}};
  for (const auto& r : src.nodes.snapshot()) ++states[std::string(to_string(r.state))];
  header(out, "peranda_nodes", "gauge", "Known nodes by state.");
  for (const auto& [state, n] : states) {
    out += fmt::format("peranda_nodes{{state=\"{}\"}} {}\n", state, n);
  }
  auto queues = src.pulls_scheduler.queues(now);
  header(out, "peranda_queue_length", "gauge", "Nodes per worker queue.");
  for (const auto& q : queues) {
    out += fmt::format("peranda_queue_length{{queue=\"{}\"}} {}\n", q.index, q.nodes.size());
  }
  header(out, "peranda_pull_lag_seconds", "gauge",
         "How far the most overdue node of a queue is behind pull_interval.");
  for (const auto& q : queues) {
    out += fmt::format("peranda_pull_lag_seconds{{queue=\"{}\"}} {:.3f}\n", q.index, q.lag_s);
  }
  single(out, "peranda_pulls_open", "gauge", static_cast<double>(src.pulls.open_sent()),
         "Pull requests sent and not finished.");
  labelled(out, "peranda_pulls_total", "status", src.metrics.pulls.snapshot(),
           "Finished pull requests by final status.");
  auto masters = src.masters();
  std::uint64_t owned = masters.empty() ? src.nodes.snapshot().size() : 0;
  for (const auto& m : masters) {
    if (m.self) owned = m.nodes_owned;
  }
  single(out, "peranda_master_live_masters", "gauge",
         static_cast<double>(std::max<std::size_t>(masters.size(), 1)),
         "Live masters of the fleet as this master sees them (itself included).");
  single(out, "peranda_nodes_owned", "gauge", static_cast<double>(owned),
         "Known nodes this master owns (pulls, confirms alarms of).");
  single(out, "peranda_not_owner_replies_total", "counter",
         static_cast<double>(src.metrics.not_owner_replies.load()),
         "Pulls an agent answered not_owner: it saw another master as its node's owner.");
  single(out, "peranda_transfers_active", "gauge", static_cast<double>(src.uploads.active()),
         "Transfers being received.");
  labelled(out, "peranda_transfers_total", "outcome", src.metrics.transfers.snapshot(),
           "Finished transfers by outcome.");
  labelled(out, "peranda_transfers_rejected_total", "reason",
           src.metrics.transfers_rejected.snapshot(), "Rejected transfers by reason.");
  single(out, "peranda_bytes_stored_total", "counter",
         static_cast<double>(src.metrics.bytes_stored.load()), "Bytes of files stored.");
  single(out, "peranda_files_stored_total", "counter",
         static_cast<double>(src.metrics.files_stored.load()), "Files stored.");
  single(out, "peranda_stored_file_hashes_total", "counter",
         static_cast<double>(src.metrics.stored_file_hashes.load()),
         "Stored files read to learn their sha256 (once per file while unchanged).");
  const auto& unconfirmed = src.uploads.unconfirmed();
  single(out, "peranda_unconfirmed_files", "gauge", static_cast<double>(unconfirmed.size()),
         "Stored files whose node has not yet said who completed them.");
  const auto& settled = unconfirmed.counters();
  labelled(out, "peranda_unconfirmed_settled_total", "outcome",
           {{"confirmed", settled.confirmed.load()},
            {"second_copy_removed", settled.second_copies_removed.load()},
            {"unverifiable", settled.unverifiable.load()},
            {"dropped", settled.dropped.load()},
            {"error", settled.errors.load()}},
           "Unconfirmed stored files settled: confirmed, removed as a second copy of another "
           "store's, kept unverifiable, pushed out by the bounds, or a ledger/removal error.");
  single(out, "peranda_upload_backlog_bytes", "gauge",
         static_cast<double>(src.metrics.upload_backlog_bytes.load()),
         "Bytes of upload messages waiting for the upload thread.");
  single(out, "peranda_alarms_total", "counter", static_cast<double>(src.metrics.alarms.load()),
         "Alarms journaled (after de-duplication).");
  single(out, "peranda_alarm_duplicates_total", "counter",
         static_cast<double>(src.metrics.alarm_duplicates.load()),
         "Alarms dropped as already journaled.");
  labelled(out, "peranda_alarms_limited_total", "reason", src.metrics.alarms_limited.snapshot(),
           "Alarms refused for a node's rate limit (kept by its agent) or cut to alarm_max_bytes.");
  labelled(out, "peranda_alarm_hooks_total", "outcome", src.metrics.alarm_hooks.snapshot(),
           "Alarm hook runs by outcome.");
  labelled(out, "peranda_fleet_alarms_total", "event", src.metrics.fleet_alarms.snapshot(),
           "Fleet alarms this master raised about nodes it owns (lost, back_online, ...), by event.");
  single(out, "peranda_fleet_alarms_owed", "gauge",
         static_cast<double>(src.metrics.fleet_alarms_owed.load()),
         "Fleet alarms journaled while another master owned the node, raised here if the node "
         "becomes this master's within 4 beats.");
  labelled(out, "peranda_rejected_messages_total", "reason", src.metrics.rejected_messages.counts(),
           "Invalid messages dropped, by reason.");
  return out;
}

}  // namespace peranda::master
