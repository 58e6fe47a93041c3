// SPDX-License-Identifier: Apache-2.0
#include "node-agent/presence/session_counter.hpp"

#include <algorithm>
#include <charconv>

#include "core/fs/durable_file.hpp"
#include "core/util/clock.hpp"

namespace peranda::agent {

result<std::uint64_t> next_session(const std::filesystem::path& state_dir) {
  if (auto ok = ensure_directory(state_dir); !ok) return std::unexpected(ok.error());
  auto path = state_dir / "session";
  std::uint64_t current = 0;
  if (std::filesystem::exists(path)) {
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), current);
    if (ec != std::errc{}) {
      return failf("'{}' does not hold a session number; remove it to start again at 1",
                   path.string());
    }
  }
  // Never below the wall clock in seconds: a wiped state directory must not
  // restart at 1 while the broker still holds a Will of a larger session.
  auto next = std::max(current + 1, wall_clock_ms() / 1000);
  if (auto ok = write_file_atomic(path, fmt::format("{}\n", next)); !ok) {
    return std::unexpected(ok.error());
  }
  return next;
}

}  // namespace peranda::agent
