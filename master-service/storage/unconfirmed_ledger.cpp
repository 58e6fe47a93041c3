// SPDX-License-Identifier: Apache-2.0
#include "master-service/storage/unconfirmed_ledger.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/fs/durable_file.hpp"
#include "core/fs/sha256.hpp"
#include "core/log/log.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.storage");
  return l;
}

std::string add_line(const unconfirmed_file& f) {
  return nlohmann::json{{"op", "add"},    {"node", f.node},
                        {"file", f.file}, {"sha256", f.sha256},
                        {"path", f.path}, {"stored_sha256", f.stored_sha256},
                        {"ts", f.ts_ms}}
      .dump();
}

std::string done_line(const unconfirmed_file& f) {
  return nlohmann::json{{"op", "done"}, {"node", f.node}, {"file", f.file}, {"sha256", f.sha256}}
      .dump();
}

// A path this master wrote below data_dir: nothing else is ever removed.
bool inside(const std::filesystem::path& data_dir, const std::string& path) {
  auto p = std::filesystem::path(path).lexically_normal();
  auto rel = p.lexically_relative(data_dir.lexically_normal());
  return p.is_absolute() && !rel.empty() && *rel.begin() != ".." && *rel.begin() != ".";
}

}  // namespace

unconfirmed_ledger::unconfirmed_ledger(std::string master_id, unconfirmed_files::limits limits)
    : master_id_(std::move(master_id)), files_(limits) {}

result<void> unconfirmed_ledger::open(const std::filesystem::path& data_dir, std::string store_id) {
  auto dir = std::filesystem::absolute(data_dir);
  auto opened = append_log::open(dir / fmt::format(".peranda-unconfirmed-{}.jsonl", master_id_));
  if (!opened) return std::unexpected(opened.error());
  lock_guard lock(mu_);
  std::size_t unreadable = 0;
  for (const auto& line : opened->lines) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    try {
      auto op = j.at("op").get<std::string>();
      unconfirmed_file f{j.at("node").get<std::string>(), j.at("file").get<std::string>(),
                         j.at("sha256").get<std::string>(), {}, {}, 0};
      if (op == "done") {
        files_.erase(f.node, f.file, f.sha256);
        continue;
      }
      f.path = j.at("path").get<std::string>();
      f.stored_sha256 = j.at("stored_sha256").get<std::string>();
      f.ts_ms = j.at("ts").get<std::uint64_t>();
      if (op != "add" || !inside(dir, f.path)) throw std::invalid_argument("bad record");
      counters_.dropped += files_.add(std::move(f)).size();
    } catch (const std::exception&) {
      ++unreadable;
    }
  }
  if (unreadable > 0) {
    counters_.errors += unreadable;
    log()->warn("{}: skipped {} unreadable record(s)", opened->log.path().string(), unreadable);
  }
  lines_ = opened->lines.size();
  log_.emplace(std::move(opened->log));
  store_id_ = std::move(store_id);
  compact_if_long();
  return {};
}

result<void> unconfirmed_ledger::record(unconfirmed_file f) {
  lock_guard lock(mu_);
  if (!log_) return {};
  if (auto ok = log_->append(add_line(f)); !ok) {
    ++counters_.errors;
    return ok;
  }
  ++lines_;
  auto dropped = files_.add(std::move(f));
  counters_.dropped += dropped.size();
  write_done(dropped);
  return {};
}

std::vector<protocol::stored_file_ref> unconfirmed_ledger::ask(const std::string& node,
                                                               const std::string& request_id) {
  lock_guard lock(mu_);
  return files_.ask(node, request_id, protocol::k_max_confirm);
}

void unconfirmed_ledger::settle(
    const std::string& node, const std::string& request_id,
    const std::optional<std::vector<protocol::file_confirmation>>& answers) {
  confirmation_result r;
  {
    lock_guard lock(mu_);
    r = files_.settle(node, request_id, answers, master_id_, store_id_);
    write_done(r.confirmed);
    write_done(r.second_copy);
    write_done(r.unverifiable);
  }
  counters_.confirmed += r.confirmed.size();
  counters_.unverifiable += r.unverifiable.size();
  for (const auto& f : r.unverifiable) {
    log()->warn("'{}' of '{}' ({}): no record of who completed it on the node; kept", f.file,
                f.node, f.path);
  }
  for (const auto& f : r.second_copy) remove_second_copy(f);
}

void unconfirmed_ledger::remove_second_copy(const unconfirmed_file& f) {
  struct stat st {};
  auto hash = ::lstat(f.path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
                  ? sha256_file_hex(f.path)
                  : result<std::string>(fail("not a regular file"));
  if (!hash || *hash != f.stored_sha256) {
    ++counters_.errors;
    log()->warn("'{}' of '{}' is stored by another store too, but '{}' no longer holds it ({}); "
                "nothing removed",
                f.file, f.node, f.path, hash ? "other bytes" : hash.error().message);
    return;
  }
  if (::unlink(f.path.c_str()) != 0) {
    ++counters_.errors;
    log()->error("cannot remove second copy '{}': {}", f.path, std::strerror(errno));
    return;
  }
  (void)fsync_directory(std::filesystem::path(f.path).parent_path());
  ++counters_.second_copies_removed;
  log()->info("'{}' of '{}' was stored by another store after our complete was lost; removed "
              "our second copy '{}'",
              f.file, f.node, f.path);
}

void unconfirmed_ledger::write_done(const std::vector<unconfirmed_file>& files) {
  if (files.empty() || !log_) return;
  std::string lines;
  for (const auto& f : files) {
    if (!lines.empty()) lines += '\n';
    lines += done_line(f);
  }
  // Not durable is no loss: a settled entry read again is asked again.
  if (auto ok = log_->append(lines); !ok) {
    ++counters_.errors;
    log()->warn("{}", ok.error().message);
    return;
  }
  lines_ += files.size();
  compact_if_long();
}

void unconfirmed_ledger::compact_if_long() {
  if (lines_ < 2 * files_.size() + 1024) return;
  std::vector<std::string> lines;
  for (const auto& f : files_.all()) lines.push_back(add_line(f));
  if (auto ok = log_->replace(lines); !ok) {
    log()->warn("{}", ok.error().message);
    return;
  }
  lines_ = lines.size();
}

std::string unconfirmed_ledger::store_id() const {
  lock_guard lock(mu_);
  return store_id_;
}

std::size_t unconfirmed_ledger::size() const {
  lock_guard lock(mu_);
  return files_.size();
}

bool unconfirmed_ledger::has(const std::string& node) const {
  lock_guard lock(mu_);
  return files_.has(node);
}

}  // namespace peranda::master
