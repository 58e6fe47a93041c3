// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/source_config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "core/protocol/identifiers.hpp"

namespace peranda::agent {
namespace {

constexpr key_spec k_source_keys[] = {
    {"source[]", "type", key_type::string, "",
     "`exec` (run a command) or `file` (follow a log file)."},
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
     "file: on the very first start read the file from its start instead of its end."},
    {"source[]", "rule_lines_per_second", key_type::integer, "1000",
     "Lines per second checked against alarm rules (0: all); all lines are spooled."},
};

constexpr std::string_view k_exec_only[] = {"command", "shell", "interval", "timeout",
                                            "max_output"};
constexpr std::string_view k_file_only[] = {"path", "from_beginning"};

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
    } else {
      return std::unexpected(
          t.error_at("type", type.empty() ? "missing (exec or file)" : "must be exec or file"));
    }
    s.name = t.string_or("name", "");
    if (auto ok = protocol::validate_node_id(s.name); !ok) {
      return std::unexpected(t.error_at("name", ok.error().message));
    }
    if (!names.insert(s.name).second) {
      return std::unexpected(t.error_at("name", fmt::format("duplicate source name '{}'", s.name)));
    }
    auto foreign = s.type == source_type::exec ? std::span<const std::string_view>(k_file_only)
                                               : std::span<const std::string_view>(k_exec_only);
    for (auto key : foreign) {
      if (t.has(key)) {
        return std::unexpected(t.error_at(key, fmt::format("not allowed for a {} source", type)));
      }
    }
    auto ok = s.type == source_type::exec ? load_exec(t, config_dir, s) : load_file(t, s);
    if (!ok) return std::unexpected(ok.error());
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
