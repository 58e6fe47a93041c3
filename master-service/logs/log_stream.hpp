// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "master-service/logs/line_reader.hpp"
#include "master-service/logs/log_query.hpp"
#include "master-service/logs/stored_file_list.hpp"

namespace peranda::master {

// The lines of one node's stored files that a log_query selects, in order:
// file by file (oldest first, stored_file_list), line by line. A line's
// time is the record time it starts with (record_time.hpp); a line
// without one has the time of the line before it, the first ones the
// file's time. A file whose time is before `since` is skipped unread (its
// lines are older still). With `follow`, add_files() appends files stored
// later, each once. Memory: one line, plus up to `tail` lines
// (k_max_tail_bytes) while a tail is gathered. Not thread-safe: one stream per request.
class log_stream {
 public:
  log_stream(log_query query, std::vector<stored_file> files);

  // Appends selected lines, each with '\n', to `out` until it has grown
  // by at least `max_bytes` or every known file is read. Returns false once every
  // known file is read (true: call again). A file that cannot be read is
  // skipped and named in `errors`.
  bool read_some(std::string& out, std::size_t max_bytes);

  // Adds the files of `now` (a whole listing) that were not in the
  // previous one (oldest first) to be read next. Returns how many.
  std::size_t add_files(const std::vector<stored_file>& now);

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  // The next selected line of the known files into `line`; false when all
  // are read.
  bool next_line(std::string& line);

  // Constant after construction
  const log_query query_;

  std::deque<stored_file> pending_;
  std::set<std::filesystem::path> seen_;
  std::unique_ptr<line_reader> reader_;
  std::uint64_t line_time_ = 0;
  bool tail_sent_ = false;
  std::vector<std::string> errors_;
};

}  // namespace peranda::master
