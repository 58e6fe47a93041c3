// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/source_config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "core/config/key_table.hpp"
#include "core/protocol/identifiers.hpp"
#include "node-agent/sources/journal_record.hpp"

namespace peranda::agent {
namespace {

result<void> read_type(source_settings& out, std::string_view text) {
  if (text == "exec") {
    out.type = source_type::exec;
  } else if (text == "file") {
    out.type = source_type::file;
  } else if (text == "journal") {
    out.type = source_type::journal;
  } else {
    return fail("must be exec, file or journal");
  }
  return {};
}

result<void> read_priority(source_settings& out, std::string_view text) {
  auto p = parse_priority(std::string(text));
  if (!p) return std::unexpected(p.error());
  out.max_priority = *p;
  return {};
}

// A journal match is FIELD=value: '=' is fine in the value, but an empty
// value or a control character never matches anything.
result<void> journal_match_value(std::string_view v) {
  bool control =
      std::ranges::any_of(v, [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (v.empty() || control || v.size() > 256) {
    return fail("not a valid value (1-256 bytes, no control characters)");
  }
  return {};
}

result<void> read_preset(multiline_settings& out, std::string_view text) {
  auto preset = multiline_preset(text);
  if (!preset) return failf("unknown preset '{}' (java, python or go)", text);
  out.continuation = *preset;
  return {};
}

result<void> start_pattern(std::string_view pattern) {
  if (pattern.empty()) return fail("must be a non-empty RE2 pattern");
  return check_multiline_pattern(std::string(pattern));
}

std::string no_default(const auto&) { return ""; }

using source_key = config_key<source_settings>;
using multiline_key = config_key<multiline_settings>;

constexpr source_key k_source_keys[] = {
    {{"source[]", "type", key_type::string, "",
      "`exec` (run a command), `file` (follow a log file) or `journal` (the systemd journal)."},
     custom_field<source_settings>{read_type, no_default}},
    {{"source[]", "name", key_type::string, "",
      "Unique source name (`[A-Za-z0-9][A-Za-z0-9._-]{0,63}`); tags each spooled line."},
     &source_settings::name, {}, protocol::validate_node_id},
    {{"source[]", "command", key_type::string_list, "",
      "exec: argv, e.g. `[\"/usr/bin/uptime\"]`; no shell unless `shell = true`. A relative "
      "path with a `/` is relative to the config file's folder; a bare name is looked up in "
      "PATH."},
     &source_settings::command},
    {{"source[]", "shell", key_type::boolean, "",
      "exec: run the single string in `command` with /bin/sh -c."},
     &source_settings::shell},
    {{"source[]", "interval", key_type::duration, "", "exec: time between two runs."},
     &source_settings::interval, {100}},
    {{"source[]", "timeout", key_type::duration, "",
      "exec: a run still going after this is killed (its whole process group)."},
     &source_settings::timeout, {10}},
    {{"source[]", "max_output", key_type::bytes, "",
      "exec: output kept per run; the rest is dropped and noted in a `[truncated]` line."},
     &source_settings::max_output, {64, 256ull << 20}},
    {{"source[]", "path", key_type::string, "",
      "file: absolute path of the log file to follow."},
     &source_settings::path},
    {{"source[]", "from_beginning", key_type::boolean, "",
      "file, journal: on the very first start read the file (journal) from its start instead "
      "of its end."},
     &source_settings::from_beginning},
    {{"source[]", "directory", key_type::string, "(the local system journal)",
      "journal: absolute path of a folder of `.journal` files to read instead."},
     &source_settings::directory, {}, absolute_path},
    {{"source[]", "units", key_type::string_list, "[] (all)",
      "journal: only entries of these systemd units (`_SYSTEMD_UNIT`, e.g. `nginx.service`)."},
     &source_settings::units, {}, journal_match_value},
    {{"source[]", "identifiers", key_type::string_list, "[] (all)",
      "journal: only entries with these syslog identifiers (`SYSLOG_IDENTIFIER`)."},
     &source_settings::identifiers, {}, journal_match_value},
    {{"source[]", "priority", key_type::string, "debug (all)",
      "journal: the highest priority number taken: `emerg` (0), `alert`, `crit`, `err`, "
      "`warning`, `notice`, `info`, `debug` (7), or the number."},
     custom_field<source_settings>{read_priority, no_default}},
    {{"source[]", "rule_lines_per_second", key_type::integer, "",
      "Lines per second checked against alarm rules (0: all); all lines are spooled."},
     &source_settings::rule_lines_per_second, {0, 10'000'000}},
};

// The multi-line keys fill the source's nested multiline_settings.
constexpr multiline_key k_multiline_keys[] = {
    {{"source[]", "multiline", key_type::string, "",
      "Join multi-line events (stack traces) with a preset: `java`, `python` or `go`."},
     custom_field<multiline_settings>{read_preset, no_default}},
    {{"source[]", "multiline_start", key_type::string, "",
      "Join multi-line events: a line matching this RE2 pattern starts an event, other lines "
      "continue it."},
     &multiline_settings::start, {}, start_pattern},
    {{"source[]", "multiline_max_lines", key_type::integer, "",
      "An event ends after this many lines (the next line starts a new one)."},
     &multiline_settings::max_lines, {2, 100'000}},
    {{"source[]", "multiline_max_bytes", key_type::bytes, "",
      "An event ends before a line that would make it longer than this."},
     &multiline_settings::max_bytes, {256, 16ull << 20}},
    {{"source[]", "multiline_timeout", key_type::duration, "",
      "An event ends when no line arrived for this long."},
     &multiline_settings::timeout, {10, 3'600'000}},
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

// The checks across keys; each key's own type, range and syntax were
// checked by load_keys.
result<void> check_exec(const config_section& t, const std::filesystem::path& config_dir,
                        source_settings& s) {
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
  return {};
}

result<void> check_file(const config_section& t, const source_settings& s) {
  if (s.path.empty() || s.path.is_relative() || !s.path.has_filename()) {
    return std::unexpected(t.error_at("path", "a file source needs an absolute file path"));
  }
  return {};
}

result<void> check_multiline(const config_section& t, const multiline_settings& m) {
  if (t.has("multiline") && t.has("multiline_start")) {
    return std::unexpected(
        t.error_at("multiline_start", "give either multiline (a preset) or multiline_start"));
  }
  if (m.enabled()) return {};
  for (auto key : k_multiline_limits) {
    if (t.has(key)) {
      return std::unexpected(t.error_at(key, "only with multiline or multiline_start"));
    }
  }
  return {};
}

}  // namespace

std::span<const key_spec> source_keys() {
  static const std::vector<key_spec> keys = [] {
    std::vector<key_spec> out;
    describe_defaults<source_settings>(out, k_source_keys);
    describe_defaults<multiline_settings>(out, k_multiline_keys);
    return out;
  }();
  return keys;
}

result<std::vector<source_settings>> load_sources(const std::vector<config_section>& tables,
                                                  const std::filesystem::path& config_dir) {
  std::vector<source_settings> out;
  std::set<std::string> names;
  for (const auto& t : tables) {
    if (!t.has("type")) {
      return std::unexpected(t.error_at("type", "missing (exec, file or journal)"));
    }
    if (!t.has("name")) return std::unexpected(t.error_at("name", "missing"));
    source_settings s;
    if (auto ok = load_keys<source_settings>(t, k_source_keys, s); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = load_keys<multiline_settings>(t, k_multiline_keys, s.multiline); !ok) {
      return std::unexpected(ok.error());
    }
    if (!names.insert(s.name).second) {
      return std::unexpected(t.error_at("name", fmt::format("duplicate source name '{}'", s.name)));
    }
    for (auto key : foreign_keys(s.type)) {
      if (t.has(key)) {
        return std::unexpected(t.error_at(
            key, fmt::format("not allowed for a {} source", t.string_or("type", ""))));
      }
    }
    auto ok = s.type == source_type::exec   ? check_exec(t, config_dir, s)
              : s.type == source_type::file ? check_file(t, s)
                                            : result<void>{};
    if (!ok) return std::unexpected(ok.error());
    if (auto multi = check_multiline(t, s.multiline); !multi) return std::unexpected(multi.error());
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace peranda::agent
