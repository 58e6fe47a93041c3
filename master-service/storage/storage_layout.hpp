// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace peranda::master {

// Where a received file lives: `<data_dir>/<template>/<file>`, the template
// expanding `{ip}`, `{node}` and `{date}` (UTC, YYYY-MM-DD). Every expanded
// part is sanitised and the result proven to stay inside data_dir. Unless a
// whole level of the template is `{node}`, a `<node>` folder is appended:
// every node has a folder of its own, so no two nodes (e.g. behind one NAT
// address, or `a` and `a_b`) can ever name the same path. Stored names
// never start with '.' or '-'; partial files are `.<transfer>.part`, a name
// space no stored name can take (`.<master>~<transfer>.part`). Nothing is ever overwritten: store()
// renames without replacing. Thread-safe (immutable).
class storage_layout {
 public:
  static constexpr std::string_view k_part_suffix = ".part";

  storage_layout(std::filesystem::path data_dir, std::string dir_template);

  // The final path of `file` from `node` (reporting `ip`), stored at `ms`
  // (Unix milliseconds, picks {date}). An error when the template names
  // `{ip}` and `ip` is empty (no heartbeat seen yet).
  [[nodiscard]] result<std::filesystem::path> final_path(std::string_view node, std::string_view ip,
                                                         std::string_view file,
                                                         std::uint64_t ms) const;

  // The name used instead of `final` when `final` already holds other
  // bytes: `<final>.<first 12 hex digits of sha256>`.
  static std::filesystem::path alternate_path(const std::filesystem::path& final,
                                              std::string_view sha256);

  // The temporary file a transfer of master `owner` writes to, next to
  // `final`: `.<owner>~<transfer>.part` (per transfer, so a retry never
  // shares a half-written file; per master, so masters sharing a data_dir
  // never write or remove each other's; a leading '.' no stored name has,
  // a '~' no id has).
  static std::filesystem::path part_path(const std::filesystem::path& final,
                                         std::string_view owner, std::string_view transfer);

  // Renames `part` to the first free name of `final`, its alternate_path,
  // then `<alternate>.1`, `.2`, ... (never replacing a file, even one
  // created meanwhile), and fsyncs the directory. Returns the name used.
  [[nodiscard]] static result<std::filesystem::path> store(const std::filesystem::path& part,
                                                           const std::filesystem::path& final,
                                                           std::string_view sha256);

  // Creates `dir` (inside data_dir) if needed; new directories are fsynced
  // into their parents up to data_dir, so a stored file's path survives a
  // crash, not only its bytes.
  [[nodiscard]] result<void> ensure_durable_directory(const std::filesystem::path& dir) const;

  const std::filesystem::path& data_dir() const { return data_dir_; }

  // The existing directories that hold `node`'s stored files, whatever
  // the other levels of the template ({ip}, {date}, ...) expanded to: the
  // template's `{node}` level (or the appended `<node>` one) must name the
  // node, so no other node's folder is ever listed.
  std::vector<std::filesystem::path> node_directories(std::string_view node) const;

  // Deletes the partial files master `owner` left under data_dir in a
  // crash (no transfer survives a restart), and those of a release that
  // named no master (`.<transfer>.part`); another master's stay. Returns
  // how many were removed.
  std::size_t remove_leftover_parts(std::string_view owner) const;

 private:
  // Constant after construction
  const std::filesystem::path data_dir_;
  const std::string template_;
  const bool has_node_level_;  // a level of the template is exactly `{node}`
  const bool has_ip_;
};

}  // namespace peranda::master
