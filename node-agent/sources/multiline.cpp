// SPDX-License-Identifier: Apache-2.0
#include "node-agent/sources/multiline.hpp"

#include <re2/re2.h>

#include <utility>

namespace peranda::agent {
namespace {

// Continuation lines of each preset (docs/agent.md lists what they join).
// RE2 has no negative look-ahead, so a preset says which lines continue an
// event rather than which start one.
constexpr std::pair<std::string_view, std::string_view> k_presets[] = {
    // Indented frames (`\tat ...`, `\t... 3 more`), `Caused by:`,
    // `Suppressed:`, and the exception's own line (`java.lang.X: message`).
    {"java", R"(^(?:\s|Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted)|)"
             R"((?:[A-Za-z_$][\w$]*\.)+[\w$]*(?:Exception|Error|Throwable)(?::|$)))"},
    // `Traceback (most recent call last):`, indented frames, blank lines and
    // the chaining sentences, and the final `ValueError: ...` line.
    {"python",
     R"(^(?:\s|$|Traceback \(most recent call last\):|During handling of the above exception|)"
     R"(The above exception was the direct cause|)"
     R"([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Iteration)(?::|$)))"},
    // After `panic: ...`: `[signal ...]`, blank lines, `goroutine N [...]:`,
    // function lines `pkg.F(...)`, indented file lines, `created by`, `exit status N`.
    {"go", R"(^(?:\s|$|\[signal |goroutine \d+ \[|created by |exit status \d+|)"
           R"([\w./*()\[\]-]+\(.*\)$))"},
};

std::unique_ptr<re2::RE2> compile(const std::string& pattern) {
  if (pattern.empty()) return nullptr;
  RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<re2::RE2>(pattern, options);
}

}  // namespace

std::optional<std::string> multiline_preset(std::string_view name) {
  for (const auto& [preset, pattern] : k_presets) {
    if (preset == name) return std::string(pattern);
  }
  return std::nullopt;
}

result<void> check_multiline_pattern(const std::string& pattern) {
  auto re = compile(pattern);
  if (!re || !re->ok()) return failf("invalid RE2 pattern: {}", re ? re->error() : "empty");
  return {};
}

multiline_assembler::multiline_assembler(multiline_settings settings)
    : settings_(std::move(settings)),
      start_(compile(settings_.start)),
      continuation_(compile(settings_.continuation)) {}

multiline_assembler::~multiline_assembler() = default;

bool multiline_assembler::starts_event(std::string_view text) const {
  re2::StringPiece piece(text.data(), text.size());
  if (start_) return RE2::PartialMatch(piece, *start_);
  return !RE2::PartialMatch(piece, *continuation_);
}

void multiline_assembler::close(std::vector<multiline_event>& out, bool split) {
  if (!open_) return;
  open_->split = split;
  out.push_back(std::move(*open_));
  open_.reset();
}

void multiline_assembler::feed(source_line line, std::string_view key, clock::time_point now,
                               std::vector<multiline_event>& out) {
  if (!settings_.enabled()) {
    out.push_back({std::move(line), 1, false});
    return;
  }
  if (open_) {
    bool too_big = open_->line.text.size() + 1 + line.text.size() > settings_.max_bytes;
    if (key != open_key_ || starts_event(line.text)) {
      close(out, false);
    } else if (too_big) {
      close(out, true);
    }
  }
  last_arrival_ = now;
  if (!open_) {
    open_ = multiline_event{std::move(line), 1, false};
    open_key_ = key;
  } else {
    open_->line.text += '\n';
    open_->line.text += line.text;
    ++open_->lines;
  }
  if (open_->lines >= settings_.max_lines) close(out, true);
}

void multiline_assembler::expire(clock::time_point now, std::vector<multiline_event>& out) {
  if (open_ && now - last_arrival_ >= settings_.timeout) close(out, false);
}

void multiline_assembler::flush(std::vector<multiline_event>& out) { close(out, false); }

void multiline_assembler::reset() { open_.reset(); }

std::optional<multiline_assembler::clock::time_point> multiline_assembler::deadline() const {
  if (!open_) return std::nullopt;
  return last_arrival_ + settings_.timeout;
}

std::optional<std::uint64_t> multiline_assembler::open_offset() const {
  if (!open_) return std::nullopt;
  return open_->line.offset;
}

}  // namespace peranda::agent
