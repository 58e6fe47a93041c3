// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/fs/append_log.hpp"
#include "core/protocol/messages/file_confirmation.hpp"
#include "core/util/mutex.hpp"
#include "master-service/storage/unconfirmed_files.hpp"

namespace peranda::master {

// Counted outcomes, shown in /metrics.
struct unconfirmed_counters {
  std::atomic<std::uint64_t> confirmed{0};
  std::atomic<std::uint64_t> second_copies_removed{0};
  std::atomic<std::uint64_t> unverifiable{0};
  std::atomic<std::uint64_t> dropped{0};  // pushed out by the bounds
  std::atomic<std::uint64_t> errors{0};
};

// This master's unconfirmed files (unconfirmed_files) kept on disk in
// `<data_dir>/.peranda-unconfirmed-<master id>.jsonl`, so that a master
// killed between storing a file and its `complete` reaching the node
// still knows, after its restart, which copies to check. A file is
// recorded before it is renamed into place; a second copy is removed only
// after its bytes are read again and match. Thread-safe.
class unconfirmed_ledger {
 public:
  unconfirmed_ledger(std::string master_id, unconfirmed_files::limits limits);

  // Reads the ledger of `data_dir` and this store's id. Until it succeeds
  // nothing is recorded (every copy kept, as before this existed).
  [[nodiscard]] result<void> open(const std::filesystem::path& data_dir, std::string store_id);

  // Durable before it returns; an error means: do not store the file.
  [[nodiscard]] result<void> record(unconfirmed_file f);

  // For the request `request_id` to `node`.
  std::vector<protocol::stored_file_ref> ask(const std::string& node,
                                             const std::string& request_id);
  // The node answered: settles and removes second copies.
  void settle(const std::string& node, const std::string& request_id,
              const std::optional<std::vector<protocol::file_confirmation>>& answers);

  std::string store_id() const;
  std::size_t size() const;
  bool has(const std::string& node) const;
  const unconfirmed_counters& counters() const { return counters_; }

 private:
  void write_done(const std::vector<unconfirmed_file>& files) REQUIRES(mu_);
  void compact_if_long() REQUIRES(mu_);
  void remove_second_copy(const unconfirmed_file& f);

  // Constant after construction
  const std::string master_id_;

  mutable mutex mu_;
  unconfirmed_files files_ GUARDED_BY(mu_);
  std::optional<append_log> log_ GUARDED_BY(mu_);
  std::string store_id_ GUARDED_BY(mu_);
  std::size_t lines_ GUARDED_BY(mu_) = 0;
  unconfirmed_counters counters_;
};

}  // namespace peranda::master
