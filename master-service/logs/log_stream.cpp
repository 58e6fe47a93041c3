// SPDX-License-Identifier: Apache-2.0
#include "master-service/logs/log_stream.hpp"

#include "master-service/logs/record_time.hpp"

namespace peranda::master {

log_stream::log_stream(log_query query, std::vector<stored_file> files) : query_(std::move(query)) {
  add_files(files);
}

std::size_t log_stream::add_files(const std::vector<stored_file>& now) {
  // Only the last listing is remembered, so a stream that follows for
  // days holds the names on disk now, not every name it ever saw.
  std::set<std::filesystem::path> listed;
  std::size_t added = 0;
  for (const auto& f : now) {
    listed.insert(f.path);
    if (seen_.contains(f.path) || f.time_ms < query_.since_ms) continue;
    pending_.push_back(f);
    ++added;
  }
  seen_ = std::move(listed);
  return added;
}

bool log_stream::next_line(std::string& line) {
  while (true) {
    if (!reader_) {
      if (pending_.empty()) return false;
      auto f = std::move(pending_.front());
      pending_.pop_front();
      auto r = open_line_reader(f.path);
      if (!r) {
        errors_.push_back(r.error().message);
        continue;
      }
      reader_ = std::move(*r);
      line_time_ = f.time_ms;
    }
    auto more = reader_->next(line);
    if (!more || !*more) {
      if (!more) errors_.push_back(more.error().message);
      reader_.reset();
      continue;
    }
    if (auto t = record_time_ms(line)) line_time_ = *t;
    if (query_.in_time(line_time_) && query_.matches(line)) return true;
  }
}

bool log_stream::read_some(std::string& out, std::size_t max_bytes) {
  std::string line;
  if (query_.tail > 0 && !tail_sent_) {
    // The last `tail` lines of what is stored now; later files (follow)
    // stream whole.
    std::deque<std::string> last;
    std::size_t bytes = 0;
    while (next_line(line)) {
      bytes += line.size();
      last.push_back(std::move(line));
      while (last.size() > query_.tail || bytes > log_query::k_max_tail_bytes) {
        bytes -= last.front().size();
        last.pop_front();
      }
    }
    tail_sent_ = true;
    for (auto& l : last) {
      out += l;
      out += '\n';
    }
    return false;
  }
  for (auto start = out.size(); out.size() - start < max_bytes;) {
    if (!next_line(line)) return false;
    out += line;
    out += '\n';
  }
  return true;
}

}  // namespace peranda::master
