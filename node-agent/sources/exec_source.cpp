// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/exec_source.hpp"

#include <csignal>
#include <cstring>

#include "core/config/units.hpp"
#include "core/log/log.hpp"
#include "core/process/child_process.hpp"
#include "core/util/clock.hpp"
#include "node-agent/sources/multiline.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.exec");
  return l;
}

std::vector<std::string> argv_for(const source_settings& s) {
  if (s.shell) return {"/bin/sh", "-c", s.command.front()};
  return s.command;
}

}  // namespace

exec_source::exec_source(source_settings settings, line_sink& sink)
    : settings_(std::move(settings)), argv_(argv_for(settings_)), sink_(sink) {}

exec_source::~exec_source() { stop(); }

void exec_source::start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    do {
      run_once(stop);
    } while (wait_or_stop(stop, settings_.interval));
  });
}

void exec_source::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void exec_source::run_once(std::stop_token stop) {
  child_spec spec;
  spec.argv = argv_;
  spec.timeout = settings_.timeout;
  spec.max_output = settings_.max_output;
  spec.kill_leftovers = true;
  auto r = run_child(spec, stop);
  std::vector<source_line> lines;
  std::string partial;
  std::uint64_t partial_offset = 0;
  // A run's output is complete: its events end with it (no timeout).
  multiline_assembler assembler(settings_.multiline);
  std::vector<multiline_event> events;
  auto add_text = [&](std::string_view text, std::string_view prefix) {
    std::vector<source_line> part;
    split_lines(text, 0, partial, partial_offset, sink_.max_line(), part);
    if (!partial.empty()) part.push_back({std::move(partial), partial_offset});
    partial.clear();
    auto now = multiline_assembler::clock::now();
    for (auto& l : part) assembler.feed(std::move(l), prefix, now, events);
    assembler.flush(events);
    for (auto& ev : events) {
      if (ev.split) sink_.count_split(1);
      lines.push_back({std::string(prefix) + ev.line.text, ev.line.offset});
    }
    events.clear();
  };
  auto note = [&](std::string text) { lines.push_back({std::move(text), 0}); };
  // Why the run failed, for the agent's health ("" when it did not; a
  // stop's kill is ours, not the command's failure).
  std::string failure;
  auto failed = [&](std::string text) {
    failure = text;
    note(std::move(text));
  };
  if (!r.spawn_error.empty()) {
    failed(fmt::format("[error] {}", r.spawn_error));
  } else {
    add_text(r.out, "");
    add_text(r.err, "[stderr] ");
    if (r.timed_out) {
      failed(fmt::format("[timeout] still running after {}: process group killed",
                         format_duration(settings_.timeout)));
    } else if (r.interrupted) {
      note("[stopped] the agent is stopping: process group killed");
    } else if (r.signal != 0) {
      failed(fmt::format("[exit] killed by signal {} ({})", r.signal, strsignal(r.signal)));
    } else if (r.exit_code != 0) {
      failed(fmt::format("[exit] status {}", r.exit_code));
    }
    if (r.dropped_bytes > 0) {
      note(fmt::format("[truncated] {} bytes of output past max_output dropped", r.dropped_bytes));
    }
  }
  if (r.timed_out || !r.spawn_error.empty()) {
    log()->warn("{}: {}", settings_.name, lines.back().text);
  }
  auto n = lines.size();
  if (auto ok = sink_.deliver(settings_.name, std::move(lines)); !ok) {
    log()->error("{}: {} line(s) lost: {}", settings_.name, n, ok.error().message);
    sink_.count_dropped(n);
    sink_.status().failing(settings_.name, "output not spooled: " + ok.error().message);
  } else if (!failure.empty()) {
    sink_.status().failing(settings_.name, "command failed: " + failure);
  } else {
    sink_.status().ok(settings_.name);
  }
}

}  // namespace peranda::agent
