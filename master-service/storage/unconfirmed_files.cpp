// SPDX-License-Identifier: Apache-2.0
#include "master-service/storage/unconfirmed_files.hpp"

#include <algorithm>

namespace peranda::master {
namespace {

bool same(const unconfirmed_file& f, const std::string& file, const std::string& sha256) {
  return f.file == file && f.sha256 == sha256;
}

}  // namespace

std::vector<unconfirmed_file> unconfirmed_files::add(unconfirmed_file f) {
  std::vector<unconfirmed_file> dropped;
  erase(f.node, f.file, f.sha256);
  auto& files = by_node_[f.node];
  files.push_back(std::move(f));
  ++size_;
  if (files.size() > limits_.per_node) {
    dropped.push_back(std::move(files.front()));
    files.erase(files.begin());
    --size_;
  }
  while (size_ > limits_.total) {
    // The node with the oldest entry gives it up.
    auto oldest = std::ranges::min_element(by_node_, {}, [](const auto& kv) {
      return kv.second.empty() ? UINT64_MAX : kv.second.front().ts_ms;
    });
    dropped.push_back(std::move(oldest->second.front()));
    oldest->second.erase(oldest->second.begin());
    --size_;
    if (oldest->second.empty()) by_node_.erase(oldest);
  }
  return dropped;
}

bool unconfirmed_files::erase(const std::string& node, const std::string& file,
                              const std::string& sha256) {
  return take(node, {file, sha256}).has_value();
}

std::optional<unconfirmed_file> unconfirmed_files::take(const std::string& node,
                                                        const protocol::stored_file_ref& r) {
  auto it = by_node_.find(node);
  if (it == by_node_.end()) return std::nullopt;
  auto& files = it->second;
  auto f = std::ranges::find_if(files, [&](const auto& e) { return same(e, r.file, r.sha256); });
  if (f == files.end()) return std::nullopt;
  auto out = std::move(*f);
  files.erase(f);
  --size_;
  if (files.empty()) by_node_.erase(it);
  return out;
}

std::vector<protocol::stored_file_ref> unconfirmed_files::ask(const std::string& node,
                                                              const std::string& request_id,
                                                              std::size_t max) {
  std::vector<protocol::stored_file_ref> refs;
  if (auto it = by_node_.find(node); it != by_node_.end()) {
    for (const auto& f : it->second) {
      if (refs.size() == max) break;
      refs.push_back({f.file, f.sha256});
    }
  }
  if (refs.empty()) {
    asked_.erase(node);
  } else {
    asked_[node] = {request_id, refs};
  }
  return refs;
}

confirmation_result unconfirmed_files::settle(
    const std::string& node, const std::string& request_id,
    const std::optional<std::vector<protocol::file_confirmation>>& answers,
    const std::string& self_master, const std::string& self_store) {
  confirmation_result out;
  auto it = asked_.find(node);
  if (it == asked_.end() || it->second.request_id != request_id) return out;
  auto refs = std::move(it->second.refs);
  asked_.erase(it);
  for (const auto& ref : refs) {
    const protocol::file_confirmation* answer = nullptr;
    if (answers) {
      auto a = std::ranges::find_if(*answers, [&](const auto& c) {
        return c.file == ref.file && c.sha256 == ref.sha256;
      });
      if (a == answers->end()) continue;  // not answered: asked again
      answer = &*a;
    }
    using state = protocol::confirmation_state;
    if (answer && answer->state == state::pending) continue;
    auto f = take(node, ref);
    if (!f) continue;
    if (!answer || answer->state == state::unknown) {
      out.unverifiable.push_back(std::move(*f));
    } else if (answer->master == self_master || answer->store == self_store) {
      out.confirmed.push_back(std::move(*f));
    } else if (answer->store.empty()) {
      out.unverifiable.push_back(std::move(*f));
    } else {
      out.second_copy.push_back(std::move(*f));
    }
  }
  return out;
}

std::vector<unconfirmed_file> unconfirmed_files::all() const {
  std::vector<unconfirmed_file> out;
  out.reserve(size_);
  for (const auto& [_, files] : by_node_) out.insert(out.end(), files.begin(), files.end());
  return out;
}

}  // namespace peranda::master
