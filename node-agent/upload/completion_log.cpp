// SPDX-License-Identifier: Apache-2.0
#include "node-agent/upload/completion_log.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/log/log.hpp"
#include "core/protocol/identifiers.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.upload");
  return l;
}

std::string to_line(const completion& c) {
  nlohmann::json j{{"spool_name", c.spool_name}, {"file", c.file},   {"sha256", c.sha256},
                   {"master", c.master},         {"store", c.store}, {"ts", c.ts_ms}};
  return j.dump();
}

std::optional<completion> from_line(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  completion c;
  try {
    c = {j.at("spool_name").get<std::string>(), j.at("file").get<std::string>(),
         j.at("sha256").get<std::string>(),     j.at("master").get<std::string>(),
         j.at("store").get<std::string>(),      j.at("ts").get<std::uint64_t>()};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  bool valid = protocol::validate_file_name(c.spool_name) && protocol::validate_file_name(c.file) &&
               protocol::validate_sha256(c.sha256) && protocol::validate_node_id(c.master) &&
               (c.store.empty() || protocol::validate_store_id(c.store));
  if (!valid) return std::nullopt;
  return c;
}

}  // namespace

result<completion_log> completion_log::open(const std::filesystem::path& path, std::size_t keep) {
  auto opened = append_log::open(path);
  if (!opened) return std::unexpected(opened.error());
  completion_log out(std::move(opened->log), std::max<std::size_t>(keep, 1));
  for (const auto& line : opened->lines) {
    if (auto c = from_line(line)) {
      out.records_.push_back(std::move(*c));
    } else {
      ++out.invalid_;
    }
  }
  out.lines_ = opened->lines.size();
  while (out.records_.size() > out.keep_) out.records_.pop_front();
  if (out.invalid_ > 0)
    log()->warn("{}: skipped {} unreadable record(s)", path.string(), out.invalid_);
  return out;
}

result<void> completion_log::record(completion c) {
  if (auto ok = log_.append(to_line(c)); !ok) return ok;
  records_.push_back(std::move(c));
  ++lines_;
  if (records_.size() > keep_) records_.pop_front();
  if (lines_ < 2 * keep_) return {};
  std::vector<std::string> lines;
  lines.reserve(records_.size());
  for (const auto& r : records_) lines.push_back(to_line(r));
  // A failed compaction leaves the longer file, which is still right.
  if (auto ok = log_.replace(lines); !ok) {
    log()->warn("{}", ok.error().message);
  } else {
    lines_ = lines.size();
  }
  return {};
}

std::set<std::string, std::less<>> completion_log::completed_spool_names() const {
  std::set<std::string, std::less<>> out;
  for (const auto& c : records_) out.insert(c.spool_name);
  return out;
}

const completion* completion_log::find(std::string_view file, std::string_view sha256) const {
  // Newest first: a name is never reused, but a file sent decompressed and
  // compressed to two masters has two digests.
  auto it = std::find_if(records_.rbegin(), records_.rend(), [&](const completion& c) {
    return c.file == file && c.sha256 == sha256;
  });
  return it == records_.rend() ? nullptr : &*it;
}

std::vector<protocol::file_confirmation> completion_log::answer(
    const std::vector<protocol::stored_file_ref>& asked,
    const std::vector<std::string>& pending_files) const {
  std::vector<protocol::file_confirmation> out;
  out.reserve(asked.size());
  for (const auto& ref : asked) {
    protocol::file_confirmation a{ref.file, ref.sha256, protocol::confirmation_state::unknown, {},
                                  {}};
    if (const auto* c = find(ref.file, ref.sha256)) {
      a.state = protocol::confirmation_state::completed;
      a.master = c->master;
      a.store = c->store;
    } else if (std::ranges::find(pending_files, ref.file) != pending_files.end()) {
      a.state = protocol::confirmation_state::pending;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace peranda::agent
