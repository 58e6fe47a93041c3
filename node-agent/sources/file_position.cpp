// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/file_position.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/fs/durable_file.hpp"
#include "core/fs/sha256.hpp"

namespace peranda::agent {

std::optional<std::string> fingerprint_of(int fd, std::uint64_t len) {
  std::string bytes(len, '\0');
  std::uint64_t got = 0;
  while (got < len) {
    auto n = ::pread(fd, bytes.data() + got, len - got, static_cast<off_t>(got));
    if (n <= 0) return std::nullopt;
    got += static_cast<std::uint64_t>(n);
  }
  return sha256_hex(bytes);
}

bool fingerprint_matches(int fd, const file_position& p) {
  return p.fingerprint_len == 0 || fingerprint_of(fd, p.fingerprint_len) == p.fingerprint;
}

result<std::optional<file_position>> position_store::load(const std::string& source) const {
  auto path = dir_ / (source + ".position");
  if (!std::filesystem::exists(path)) return std::optional<file_position>{};
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  try {
    auto j = nlohmann::json::parse(*text);
    file_position p;
    p.dev = j.at("dev").get<std::uint64_t>();
    p.ino = j.at("ino").get<std::uint64_t>();
    p.fingerprint_len = j.at("fingerprint_len").get<std::uint64_t>();
    p.fingerprint = j.at("fingerprint").get<std::string>();
    p.offset = j.at("offset").get<std::uint64_t>();
    p.generation = j.value("generation", std::uint64_t{0});
    if (auto it = j.find("pending"); it != j.end()) {
      p.pending = pending_batch{
          it->at("end").get<std::uint64_t>(),
          {it->at("spool_ino").get<std::uint64_t>(), it->at("spool_size").get<std::uint64_t>(),
           it->at("spool_newest").get<std::string>()}};
    }
    return std::optional<file_position>(p);
  } catch (const nlohmann::json::exception& e) {
    return failf("position file '{}' is damaged ({}); delete it to start over at the file's end",
                 path.string(), e.what());
  }
}

result<void> position_store::save(const std::string& source, const file_position& pos) const {
  nlohmann::json j{{"dev", pos.dev},
                   {"ino", pos.ino},
                   {"fingerprint_len", pos.fingerprint_len},
                   {"fingerprint", pos.fingerprint},
                   {"offset", pos.offset},
                   {"generation", pos.generation}};
  if (pos.pending) {
    j["pending"] = {{"end", pos.pending->end},
                    {"spool_ino", pos.pending->mark.active_ino},
                    {"spool_size", pos.pending->mark.active_size},
                    {"spool_newest", pos.pending->mark.newest_closed}};
  }
  return file_of(source + ".position").write(j.dump(), !pos.pending);
}

result<std::optional<journal_position>> position_store::load_journal(
    const std::string& source) const {
  auto path = dir_ / (source + ".cursor");
  if (!std::filesystem::exists(path)) return std::optional<journal_position>{};
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  try {
    auto j = nlohmann::json::parse(*text);
    journal_position p;
    p.cursor = j.at("cursor").get<std::string>();
    if (auto it = j.find("pending"); it != j.end()) {
      p.pending = pending_batch{
          it->at("entries").get<std::uint64_t>(),
          {it->at("spool_ino").get<std::uint64_t>(), it->at("spool_size").get<std::uint64_t>(),
           it->at("spool_newest").get<std::string>()}};
    }
    return std::optional<journal_position>(p);
  } catch (const nlohmann::json::exception& e) {
    return failf("cursor file '{}' is damaged ({}); delete it to start over at the journal's end",
                 path.string(), e.what());
  }
}

result<void> position_store::save_journal(const std::string& source,
                                          const journal_position& pos) const {
  nlohmann::json j{{"cursor", pos.cursor}};
  if (pos.pending) {
    j["pending"] = {{"entries", pos.pending->end},
                    {"spool_ino", pos.pending->mark.active_ino},
                    {"spool_size", pos.pending->mark.active_size},
                    {"spool_newest", pos.pending->mark.newest_closed}};
  }
  return file_of(source + ".cursor").write(j.dump(), !pos.pending);
}

record_file& position_store::file_of(const std::string& name) const {
  lock_guard lock(mu_);
  auto& f = files_[name];
  if (!f) f = std::make_unique<record_file>(dir_ / name);
  return *f;
}

}  // namespace peranda::agent
