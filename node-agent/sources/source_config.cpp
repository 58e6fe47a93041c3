// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/source_config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "core/protocol/identifiers.hpp"
#include "node-agent/sources/journal_record.hpp"

namespace peranda::agent {
namespace {

constexpr key_spec k_source_keys[] = {
    {"source[]", "type", key_type::string, "",
     "`exec` (run a command), `file` (follow a log file) or `journal` (the systemd journal)."},
    {"source[]", "name", key_type::string, "",
     "Unique source name (`[A-Za-z0-9][A-Za-z0-9._-]{0,63}`); tags each spooled line."},
    {"source[]", "command", key_type::string_list, "",
     "exec: argv, e.g. `[\"/usr/bin/uptime\"]`; no shell unless `shell = true`. A relative "
     "path with a `/` is relative to the config file's folder; a bare name is looked up in PATH."},
    {"source[]", "shell", key_type::boolean, "false",
     "exec: run the single string in `command` with /bin/sh -c."},
    {"source[]", "interval", key_type::duration, "60s", "exec: time between two runs."},
    {"source[]", "timeout", key_type::duration, "10s",
     "exec: a run still going after this is killed (its whole process group)."},
    {"source[]", "max_output", key_type::bytes, "1MiB",
     "exec: output kept per run; the rest is dropped and noted in a `[truncated]` line."},
    {"source[]", "path", key_type::string, "", "file: absolute path of the log file to follow."},
    {"source[]", "from_beginning", key_type::boolean, "false",
     "file, journal: on the very first start read the file (journal) from its start instead of "
     "its end."},
    {"source[]", "directory", key_type::string, "(the local system journal)",
     "journal: absolute path of a folder of `.journal` files to read instead."},
    {"source[]", "units", key_type::string_list, "[] (all)",
     "journal: only entries of these systemd units (`_SYSTEMD_UNIT`, e.g. `nginx.service`)."},
    {"source[]", "identifiers", key_type::string_list, "[] (all)",
     "journal: only entries with these syslog identifiers (`SYSLOG_IDENTIFIER`)."},
    {"source[]", "priority", key_type::string, "debug (all)",
     "journal: the highest priority number taken: `emerg` (0), `alert`, `crit`, `err`, "
     "`warning`, `notice`, `info`, `debug` (7), or the number."},
    {"source[]", "multiline", key_type::string, "",
     "Join multi-line events (stack traces) with a preset: `java`, `python` or `go`."},
    {"source[]", "multiline_start", key_type::string, "",
     "Join multi-line events: a line matching this RE2 pattern starts an event, other lines "
     "continue it."},
    {"source[]", "multiline_max_lines", key_type::integer, "1000",
     "An event ends after this many lines (the next line starts a new one)."},
    {"source[]", "multiline_max_bytes", key_type::bytes, "64KiB",
     "An event ends before a line that would make it longer than this."},
    {"source[]", "multiline_timeout", key_type::duration, "1s",
     "An event ends when no line arrived for this long."},
    {"source[]", "rule_lines_per_second", key_type::integer, "1000",
     "Lines per second checked against alarm rules (0: all); all lines are spooled."},
};

constexpr std::string_view k_exec_only[] = {"command", "shell", "interval", "timeout",
                                            "max_output"};
constexpr std::string_view k_file_only[] = {"path"};
constexpr std::string_view k_journal_only[] = {"directory", "units", "identifiers", "priority"};
constexpr std::string_view k_multiline_limits[] = {"multiline_max_lines", "multiline_max_bytes",
                                                   "multiline_timeout"};

// Keys a source of `type` must not have.
std::vector<std::string_view> foreign_keys(source_type type) {
  std::vector<std::string_view> out;
  if (type != source_type::exec)
    out.insert(out.end(), std::begin(k_exec_only), std::end(k_exec_only));
  if (type != source_type::file)
    out.insert(out.end(), std::begin(k_file_only), std::end(k_file_only));
  if (type != source_type::journal)
    out.insert(out.end(), std::begin(k_journal_only), std::end(k_journal_only));
  if (type == source_type::exec) out.push_back("from_beginning");
  return out;
}

// Where `program` would be executed from, or empty if nowhere. A relative
// path with a '/' is taken from the config file's folder (the daemon runs
// in '/', so it must never depend on the working directory); a bare name
// is looked up in PATH.
std::string find_executable(const std::string& program, const std::filesystem::path& config_dir) {
  if (program.find('/') != std::string::npos) {
    auto path = program.front() == '/' ? std::filesystem::path(program)
                                       : std::filesystem::absolute(config_dir / program);
    return ::access(path.c_str(), X_OK) == 0 ? path.lexically_normal().string() : "";
  }
  const char* env = std::getenv("PATH");
  std::istringstream dirs(env ? env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

result<void> load_exec(const config_section& t, const std::filesystem::path& config_dir,
                       source_settings& s) {
  s.command = t.list_or("command", {});
  s.shell = t.boolean_or("shell", false);
  if (s.command.empty() || s.command[0].empty()) {
    return std::unexpected(t.error_at("command", "an exec source needs a non-empty command"));
  }
  if (s.shell && s.command.size() != 1) {
    return std::unexpected(
        t.error_at("command", "with shell = true, command is one string for /bin/sh -c"));
  }
  if (!s.shell) {
    auto found = find_executable(s.command[0], config_dir);
    if (found.empty()) {
      return std::unexpected(t.error_at(
          "command",
          fmt::format("'{}' is not an executable file (nor found in PATH)", s.command[0])));
    }
    s.command[0] = found;
  }
  s.interval = t.duration_or("interval", s.interval);
  if (s.interval < std::chrono::milliseconds(100)) {
    return std::unexpected(t.error_at("interval", "must be at least 100ms"));
  }
  s.timeout = t.duration_or("timeout", s.timeout);
  if (s.timeout < std::chrono::milliseconds(10)) {
    return std::unexpected(t.error_at("timeout", "must be at least 10ms"));
  }
  s.max_output = t.bytes_or("max_output", s.max_output);
  if (s.max_output < 64 || s.max_output > (256ull << 20)) {
    return std::unexpected(t.error_at("max_output", "must be between 64 bytes and 256MiB"));
  }
  return {};
}

result<void> load_file(const config_section& t, source_settings& s) {
  s.path = t.string_or("path", "");
  if (s.path.empty() || s.path.is_relative() || !s.path.has_filename()) {
    return std::unexpected(t.error_at("path", "a file source needs an absolute file path"));
  }
  s.from_beginning = t.boolean_or("from_beginning", false);
  return {};
}

result<void> load_journal(const config_section& t, source_settings& s) {
  s.directory = t.string_or("directory", "");
  if (t.has("directory") && (s.directory.empty() || s.directory.is_relative())) {
    return std::unexpected(t.error_at("directory", "must be an absolute path"));
  }
  s.from_beginning = t.boolean_or("from_beginning", false);
  s.units = t.list_or("units", {});
  s.identifiers = t.list_or("identifiers", {});
  for (std::string_view key : {"units", "identifiers"}) {
    for (const auto& v : t.list_or(key, {})) {
      // A journal match is FIELD=value: '=' is fine in the value, but an
      // empty value or a control character never matches anything.
      bool control =
          std::ranges::any_of(v, [](char c) { return static_cast<unsigned char>(c) < 0x20; });
      if (v.empty() || control || v.size() > 256) {
        return std::unexpected(t.error_at(
            key, fmt::format("'{}' is not a valid value (1-256 bytes, no control characters)", v)));
      }
    }
  }
  if (t.has("priority")) {
    auto p = parse_priority(t.string_or("priority", ""));
    if (!p) return std::unexpected(t.error_at("priority", p.error().message));
    s.max_priority = *p;
  }
  return {};
}

result<void> load_multiline(const config_section& t, multiline_settings& m) {
  if (t.has("multiline") && t.has("multiline_start")) {
    return std::unexpected(
        t.error_at("multiline_start", "give either multiline (a preset) or multiline_start"));
  }
  if (t.has("multiline")) {
    auto name = t.string_or("multiline", "");
    auto preset = multiline_preset(name);
    if (!preset) {
      return std::unexpected(
          t.error_at("multiline", fmt::format("unknown preset '{}' (java, python or go)", name)));
    }
    m.continuation = *preset;
  }
  if (t.has("multiline_start")) {
    m.start = t.string_or("multiline_start", "");
    if (m.start.empty()) {
      return std::unexpected(t.error_at("multiline_start", "must be a non-empty RE2 pattern"));
    }
    if (auto ok = check_multiline_pattern(m.start); !ok) {
      return std::unexpected(t.error_at("multiline_start", ok.error().message));
    }
  }
  if (!m.enabled()) {
    for (auto key : k_multiline_limits) {
      if (t.has(key)) {
        return std::unexpected(t.error_at(key, "only with multiline or multiline_start"));
      }
    }
    return {};
  }
  auto lines = t.integer_or("multiline_max_lines", static_cast<std::int64_t>(m.max_lines));
  if (lines < 2 || lines > 100'000) {
    return std::unexpected(t.error_at("multiline_max_lines", "must be 2 .. 100000"));
  }
  m.max_lines = static_cast<std::uint64_t>(lines);
  m.max_bytes = t.bytes_or("multiline_max_bytes", m.max_bytes);
  if (m.max_bytes < 256 || m.max_bytes > (16ull << 20)) {
    return std::unexpected(
        t.error_at("multiline_max_bytes", "must be between 256 bytes and 16MiB"));
  }
  m.timeout = t.duration_or("multiline_timeout", m.timeout);
  if (m.timeout < std::chrono::milliseconds(10) || m.timeout > std::chrono::hours(1)) {
    return std::unexpected(t.error_at("multiline_timeout", "must be between 10ms and 1h"));
  }
  return {};
}

}  // namespace

std::span<const key_spec> source_keys() { return k_source_keys; }

result<std::vector<source_settings>> load_sources(const std::vector<config_section>& tables,
                                                  const std::filesystem::path& config_dir) {
  std::vector<source_settings> out;
  std::set<std::string> names;
  for (const auto& t : tables) {
    source_settings s;
    auto type = t.string_or("type", "");
    if (type == "exec") {
      s.type = source_type::exec;
    } else if (type == "file") {
      s.type = source_type::file;
    } else if (type == "journal") {
      s.type = source_type::journal;
    } else {
      return std::unexpected(t.error_at("type", type.empty() ? "missing (exec, file or journal)"
                                                             : "must be exec, file or journal"));
    }
    s.name = t.string_or("name", "");
    if (auto ok = protocol::validate_node_id(s.name); !ok) {
      return std::unexpected(t.error_at("name", ok.error().message));
    }
    if (!names.insert(s.name).second) {
      return std::unexpected(t.error_at("name", fmt::format("duplicate source name '{}'", s.name)));
    }
    for (auto key : foreign_keys(s.type)) {
      if (t.has(key)) {
        return std::unexpected(t.error_at(key, fmt::format("not allowed for a {} source", type)));
      }
    }
    auto ok = s.type == source_type::exec   ? load_exec(t, config_dir, s)
              : s.type == source_type::file ? load_file(t, s)
                                            : load_journal(t, s);
    if (!ok) return std::unexpected(ok.error());
    if (auto multi = load_multiline(t, s.multiline); !multi) return std::unexpected(multi.error());
    auto rate = t.integer_or("rule_lines_per_second", 1000);
    if (rate < 0 || rate > 10'000'000) {
      return std::unexpected(t.error_at("rule_lines_per_second", "must be 0 .. 10000000"));
    }
    s.rule_lines_per_second = static_cast<std::uint64_t>(rate);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace peranda::agent
