// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace peranda::agent {

// Alarms no master has confirmed yet, one fsynced file each
// (`<key>.json`, holding the encoded alarm), so they survive broker outages
// and agent crashes. Keys sort in creation order. Bounded: past `max`
// entries the oldest is deleted and counted. Not thread-safe (the alarm
// sender guards it).
class alarm_outbox {
 public:
  // Loads what an earlier run left behind.
  [[nodiscard]] static result<alarm_outbox> open(std::filesystem::path dir, std::uint64_t max);

  // Durable when it returns. Returns the keys the cap dropped to make room.
  [[nodiscard]] result<std::vector<std::string>> add(const std::string& key,
                                                     const std::string& payload);
  // After a master confirmed it journaled the alarm.
  void remove(const std::string& key);

  const std::map<std::string, std::string>& entries() const { return entries_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  alarm_outbox(std::filesystem::path dir, std::uint64_t max) : dir_(std::move(dir)), max_(max) {}

  std::filesystem::path dir_;
  std::uint64_t max_;
  std::map<std::string, std::string> entries_;  // key -> payload, oldest first
  std::uint64_t dropped_ = 0;
};

}  // namespace peranda::agent
