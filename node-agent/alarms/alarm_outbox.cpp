// SPDX-License-Identifier: Apache-2.0
#include "node-agent/alarms/alarm_outbox.hpp"

#include "core/fs/durable_file.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/alarm.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.alarms");
  return l;
}

constexpr std::string_view k_suffix = ".json";

}  // namespace

result<alarm_outbox> alarm_outbox::open(std::filesystem::path dir, std::uint64_t max) {
  if (auto ok = ensure_directory(dir); !ok) return std::unexpected(ok.error());
  alarm_outbox box(std::move(dir), max);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(box.dir_, ec)) {
    auto name = entry.path().filename().string();
    if (!name.ends_with(k_suffix)) continue;  // e.g. a temporary of an interrupted write
    auto payload = read_file(entry.path());
    if (!payload || !protocol::decode_alarm(*payload)) {
      log()->error("outbox entry '{}' is unreadable; deleting it", entry.path().string());
      std::filesystem::remove(entry.path(), ec);
      continue;
    }
    box.entries_.emplace(name.substr(0, name.size() - k_suffix.size()), std::move(*payload));
  }
  if (ec) return failf("cannot list alarm outbox '{}': {}", box.dir_.string(), ec.message());
  if (!box.entries_.empty())
    log()->info("{} alarm(s) from before wait to be sent", box.entries_.size());
  return box;
}

result<std::vector<std::string>> alarm_outbox::add(const std::string& key,
                                                   const std::string& payload) {
  if (auto ok = write_file_atomic(dir_ / (key + std::string(k_suffix)), payload); !ok) {
    return std::unexpected(ok.error());
  }
  entries_.emplace(key, payload);
  std::vector<std::string> dropped;
  while (entries_.size() > max_) {
    auto oldest = entries_.begin()->first;
    log()->error("alarm outbox full ({} alarms): dropping the oldest, {}", max_, oldest);
    remove(oldest);
    dropped.push_back(oldest);
    ++dropped_;
  }
  return dropped;
}

void alarm_outbox::remove(const std::string& key) {
  std::error_code ec;
  // Not fsynced: an entry that comes back after a crash is only sent again,
  // and receivers drop it by its alarm id.
  std::filesystem::remove(dir_ / (key + std::string(k_suffix)), ec);
  if (ec) log()->warn("cannot delete outbox entry {}: {}", key, ec.message());
  entries_.erase(key);
}

}  // namespace peranda::agent
