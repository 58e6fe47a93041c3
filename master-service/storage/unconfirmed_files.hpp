// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol/messages/file_confirmation.hpp"

namespace peranda::master {

// A file this master stored from `node` whose deletion on the node it has
// not seen: its `complete` may never have arrived.
struct unconfirmed_file {
  std::string node;
  std::string file;           // as announced (the agent's records use it)
  std::string sha256;         // of the bytes sent
  std::string path;           // where it is stored
  std::string stored_sha256;  // of the stored bytes (differs when decompressed)
  std::uint64_t ts_ms = 0;
  bool operator==(const unconfirmed_file&) const = default;
};

// What a node's answers mean for this master's unconfirmed files.
struct confirmation_result {
  std::vector<unconfirmed_file> confirmed;     // our complete arrived (or our store's)
  std::vector<unconfirmed_file> second_copy;   // another store holds it: remove ours
  std::vector<unconfirmed_file> unverifiable;  // nobody can say: ours stays, unwatched
};

// The unconfirmed files of every node, and the rules that settle them
// (Sans-I/O: no files, no clock, no locks). A file is settled by the
// node's answer to a `confirm` this master sent with a request:
// - completed by this master, or by a master writing to this store (same
//   store id: a shared data_dir) -> confirmed;
// - completed by a master of another store -> this copy is a second one,
//   stored because our `complete` was lost; removed, the other stays;
// - completed by a master that names no store (an earlier release) or
//   unknown (never seen, or pruned from the node's records), or a node that
//   cannot answer (an earlier release) -> unverifiable: kept, never removed;
// - pending (still in the node's spool) -> asked again next time.
// Bounded per node (oldest dropped, counted) and in all.
class unconfirmed_files {
 public:
  struct limits {
    std::size_t per_node = 1024;
    std::size_t total = 100'000;
  };

  explicit unconfirmed_files(limits l) : limits_(l) {}

  // Adds or replaces (same node, file, sha256). Returns what the bounds
  // pushed out (oldest first).
  std::vector<unconfirmed_file> add(unconfirmed_file f);
  // Drops an entry (e.g. its file is gone); true if there was one.
  bool erase(const std::string& node, const std::string& file, const std::string& sha256);

  // What to ask `node` in request `request_id` (oldest first, at most
  // `max`); remembered so that only that request's reply settles them.
  std::vector<protocol::stored_file_ref> ask(const std::string& node,
                                             const std::string& request_id, std::size_t max);
  // Settles with `node`'s reply to `request_id` (`answers` nullopt: an
  // agent that cannot answer). A reply to another request changes nothing.
  confirmation_result settle(const std::string& node, const std::string& request_id,
                             const std::optional<std::vector<protocol::file_confirmation>>& answers,
                             const std::string& self_master, const std::string& self_store);

  std::size_t size() const { return size_; }
  bool has(const std::string& node) const { return by_node_.contains(node); }
  std::vector<unconfirmed_file> all() const;

 private:
  struct asked {
    std::string request_id;
    std::vector<protocol::stored_file_ref> refs;
  };
  std::optional<unconfirmed_file> take(const std::string& node, const protocol::stored_file_ref& r);

  limits limits_;
  // Oldest first. Not a deque: most nodes hold one or two entries, and a
  // deque allocates ~600 bytes for its first (docs/benchmarks.md).
  std::map<std::string, std::vector<unconfirmed_file>> by_node_;
  std::map<std::string, asked> asked_;
  std::size_t size_ = 0;
};

}  // namespace peranda::master
