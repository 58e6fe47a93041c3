// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

typedef struct ZSTD_CCtx_s ZSTD_CCtx;
typedef struct ZSTD_DCtx_s ZSTD_DCtx;

namespace peranda {

inline constexpr int k_min_zstd_level = 1;
inline constexpr int k_max_zstd_level = 19;

// One zstd frame, compressed as a stream: each update() appends what the
// compressor emits so far to `out` (often nothing: zstd buffers a block),
// finish() ends the frame. The output equals a one-shot compression of
// everything given, so the ratio is the same as `zstd -<level>`.
// Not thread-safe; one per frame (reset() starts the next).
class zstd_compressor {
 public:
  explicit zstd_compressor(int level);
  ~zstd_compressor();
  zstd_compressor(zstd_compressor&&) noexcept;
  zstd_compressor& operator=(zstd_compressor&&) noexcept;

  [[nodiscard]] result<void> update(std::string_view bytes, std::string& out);
  [[nodiscard]] result<void> finish(std::string& out);
  // Drops the frame in progress.
  void reset();

 private:
  result<void> run(std::string_view bytes, int directive, std::string& out);
  std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> ctx_;
};

// Decompresses one or more concatenated zstd frames fed in any pieces,
// never producing more than `max_output` bytes in all (a small input may
// claim gigabytes: a bomb is cut off, not obeyed) and refusing frames
// whose window passes 16 MiB (levels 1-19 use at most 8 MiB), so its
// memory stays bounded whatever the input says.
// Not thread-safe.
class zstd_decompressor {
 public:
  explicit zstd_decompressor(std::uint64_t max_output);
  ~zstd_decompressor();
  zstd_decompressor(zstd_decompressor&&) noexcept;
  zstd_decompressor& operator=(zstd_decompressor&&) noexcept;

  // Decodes from the front of `in` (what it used is removed from `in`) into
  // `out`, at most out.size() bytes: a piece of input that claims gigabytes
  // costs no more memory than `out`. Returns the bytes written; when that
  // is out.size(), call again (even with `in` empty) for what the decoder
  // still holds; when less and `in` is empty, it needs more input. Fails on
  // corrupt input or when the output would pass max_output.
  [[nodiscard]] result<std::size_t> read(std::string_view& in, std::span<char> out);
  // Fails if the input ended inside a frame.
  [[nodiscard]] result<void> finish() const;
  std::uint64_t produced() const { return produced_; }

 private:
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> ctx_;
  std::uint64_t max_output_;
  std::uint64_t produced_ = 0;
  bool mid_frame_ = false;
};

}  // namespace peranda
