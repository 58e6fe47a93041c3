// SPDX-License-Identifier: Apache-2.0
#include "core/compress/zstd_stream.hpp"

#include <zstd.h>

#include <algorithm>

namespace peranda {
namespace {

constexpr int k_max_window_log = 24;

}  // namespace

zstd_compressor::zstd_compressor(int level) : ctx_(ZSTD_createCCtx(), ZSTD_freeCCtx) {
  if (!ctx_) throw std::bad_alloc();
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel,
                         std::clamp(level, k_min_zstd_level, k_max_zstd_level));
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_checksumFlag, 1);
}

zstd_compressor::~zstd_compressor() = default;
zstd_compressor::zstd_compressor(zstd_compressor&&) noexcept = default;
zstd_compressor& zstd_compressor::operator=(zstd_compressor&&) noexcept = default;

result<void> zstd_compressor::run(std::string_view bytes, int directive, std::string& out) {
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  auto mode = static_cast<ZSTD_EndDirective>(directive);
  for (;;) {
    auto old = out.size();
    auto room = std::max<std::size_t>(ZSTD_CStreamOutSize(), bytes.size() / 2);
    out.resize(old + room);
    ZSTD_outBuffer o{out.data() + old, room, 0};
    auto left = ZSTD_compressStream2(ctx_.get(), &o, &in, mode);
    out.resize(old + o.pos);
    if (ZSTD_isError(left)) return failf("zstd: {}", ZSTD_getErrorName(left));
    bool done = mode == ZSTD_e_continue ? in.pos == in.size : left == 0;
    if (done) return {};
  }
}

result<void> zstd_compressor::update(std::string_view bytes, std::string& out) {
  return run(bytes, ZSTD_e_continue, out);
}

result<void> zstd_compressor::finish(std::string& out) { return run({}, ZSTD_e_end, out); }

void zstd_compressor::reset() { ZSTD_CCtx_reset(ctx_.get(), ZSTD_reset_session_only); }

zstd_decompressor::zstd_decompressor(std::uint64_t max_output)
    : ctx_(ZSTD_createDCtx(), ZSTD_freeDCtx), max_output_(max_output) {
  if (!ctx_) throw std::bad_alloc();
  ZSTD_DCtx_setParameter(ctx_.get(), ZSTD_d_windowLogMax, k_max_window_log);
}

zstd_decompressor::~zstd_decompressor() = default;
zstd_decompressor::zstd_decompressor(zstd_decompressor&&) noexcept = default;
zstd_decompressor& zstd_decompressor::operator=(zstd_decompressor&&) noexcept = default;

result<std::size_t> zstd_decompressor::read(std::string_view& in, std::span<char> out) {
  ZSTD_inBuffer i{in.data(), in.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  // Until `out` is full, or the input is used up and the decoder could not
  // fill `out` from what it holds.
  while (o.pos < o.size) {
    auto before = o.pos;
    auto used = i.pos;
    auto hint = ZSTD_decompressStream(ctx_.get(), &o, &i);
    if (ZSTD_isError(hint)) return failf("not valid zstd data: {}", ZSTD_getErrorName(hint));
    bool moved = i.pos != used || o.pos != before;
    // A call that did nothing after a frame ended answers for the next
    // frame's header: it does not put us inside one.
    if (moved) mid_frame_ = hint != 0;
    if (i.pos == i.size && !moved) break;
  }
  in.remove_prefix(i.pos);
  produced_ += o.pos;
  if (produced_ > max_output_)
    return failf("decompresses to more than the announced {} bytes", max_output_);
  return o.pos;
}

result<void> zstd_decompressor::finish() const {
  if (mid_frame_) return failf("zstd data ends inside a frame (truncated)");
  return {};
}

}  // namespace peranda
