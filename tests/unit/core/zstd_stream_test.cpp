// SPDX-License-Identifier: Apache-2.0
#include "core/compress/zstd_stream.hpp"

#include <boost/test/unit_test.hpp>

#include "core/compress/file_digests.hpp"
#include "core/compress/log_reader.hpp"
#include "core/fs/durable_file.hpp"
#include "core/fs/sha256.hpp"
#include "tests/support/temp_dir.hpp"

using namespace peranda;

namespace {

std::string lines(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += fmt::format("line {} of a log that repeats itself\n", i);
  return out;
}

std::string compress(std::string_view raw, std::size_t piece = 1000) {
  zstd_compressor c(1);
  std::string out;
  for (std::size_t at = 0; at < raw.size(); at += piece)
    BOOST_REQUIRE(c.update(raw.substr(at, piece), out));
  BOOST_REQUIRE(c.finish(out));
  return out;
}

// Everything `in` decodes to, appended to `out`, read in pieces of `piece`.
result<void> decode(zstd_decompressor& d, std::string_view in, std::string& out,
                    std::size_t piece = 4096) {
  std::string buf(piece, '\0');
  for (;;) {
    auto made = d.read(in, buf);
    if (!made) return std::unexpected(made.error());
    out.append(buf, 0, *made);
    if (in.empty() && *made < buf.size()) return {};
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(core_zstd)

BOOST_AUTO_TEST_CASE(streamed_pieces_decompress_to_the_input) {
  auto raw = lines(50'000);
  auto packed = compress(raw, 777);
  BOOST_TEST(packed.size() * 5 < raw.size());
  zstd_decompressor d(raw.size());
  std::string out;
  for (std::size_t at = 0; at < packed.size(); at += 333)
    BOOST_REQUIRE(decode(d, std::string_view(packed).substr(at, 333), out, 1 + at % 5000));
  BOOST_REQUIRE(d.finish());
  BOOST_TEST(out == raw);
}

BOOST_AUTO_TEST_CASE(a_bomb_stops_at_the_announced_size) {
  std::string zeros(64 << 20, '\0');
  auto bomb = compress(zeros, zeros.size());
  BOOST_TEST(bomb.size() < 16u * 1024);
  zstd_decompressor d(1 << 20);
  std::string out;
  auto r = decode(d, bomb, out);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().message.find("more than the announced") != std::string::npos);
  // Cut within one piece of the bound, not after 64 MiB.
  BOOST_TEST(out.size() <= (1u << 20) + 4096);
}

BOOST_AUTO_TEST_CASE(a_tiny_input_claiming_gigabytes_comes_out_one_piece_at_a_time) {
  // 64 MiB of zeros in a few KiB: one read() gives at most the piece asked
  // for, however much the input it was handed decodes to.
  std::string zeros(64 << 20, '\0');
  auto packed = compress(zeros, zeros.size());
  zeros = {};
  zstd_decompressor d(std::uint64_t{1} << 30);
  std::string_view in(packed);
  std::string piece(64 * 1024, '\0');
  std::uint64_t total = 0;
  std::size_t calls = 0;
  for (;;) {
    auto made = d.read(in, piece);
    BOOST_REQUIRE(made.has_value());
    BOOST_REQUIRE(*made <= piece.size());
    total += *made;
    ++calls;
    if (in.empty() && *made < piece.size()) break;
  }
  BOOST_TEST(d.finish().has_value());
  BOOST_TEST(total == std::uint64_t{64} << 20);
  BOOST_TEST(calls >= (64u << 20) / piece.size());

  // The same through a stored file's reader (the logs API, the master's check).
  test::temp_dir dir;
  BOOST_REQUIRE(write_file_atomic(dir.path() / "z.log.zst", packed));
  auto reader = log_reader::open(dir.path() / "z.log.zst");
  BOOST_REQUIRE(reader.has_value());
  total = 0;
  std::size_t largest = 0;
  for (;;) {
    auto got = reader->next();
    BOOST_REQUIRE(got.has_value());
    if (got->empty()) break;
    total += got->size();
    largest = std::max(largest, got->size());
  }
  BOOST_TEST(total == std::uint64_t{64} << 20);
  BOOST_TEST(largest <= 128u * 1024);
  auto digests = digest_log_file(dir.path() / "z.log.zst", encoding::zstd);
  BOOST_REQUIRE(digests.has_value());
  BOOST_TEST(digests->raw_size == std::uint64_t{64} << 20);
}

BOOST_AUTO_TEST_CASE(corrupt_and_truncated_input_are_errors) {
  auto packed = compress(lines(1000));
  auto corrupt = packed;
  corrupt[corrupt.size() / 2] ^= 0x5a;
  corrupt[corrupt.size() / 2 + 1] ^= 0x5a;
  zstd_decompressor d1(1 << 30);
  std::string out;
  auto r = decode(d1, corrupt, out);
  BOOST_TEST((!r || !d1.finish()));  // the frame checksum catches what decoding does not
  zstd_decompressor d2(1 << 30);
  out.clear();
  BOOST_REQUIRE(decode(d2, std::string_view(packed).substr(0, packed.size() - 10), out));
  BOOST_TEST(!d2.finish());
  zstd_decompressor d3(1 << 30);
  BOOST_TEST(!decode(d3, "this is not zstd at all", out));
}

BOOST_AUTO_TEST_CASE(log_reader_and_digests_read_plain_and_zstd_alike) {
  test::temp_dir dir;
  auto raw = lines(20'000);
  auto packed = compress(raw);
  BOOST_REQUIRE(write_file_atomic(dir.path() / "a.log", raw));
  BOOST_REQUIRE(write_file_atomic(dir.path() / "a.log.zst", packed));
  BOOST_TEST(*read_log_file(dir.path() / "a.log") == raw);
  BOOST_TEST(*read_log_file(dir.path() / "a.log.zst") == raw);
  auto d = digest_log_file(dir.path() / "a.log.zst", encoding::zstd);
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->size == packed.size());
  BOOST_TEST(d->sha256 == sha256_hex(packed));
  BOOST_TEST(d->raw_size == raw.size());
  BOOST_TEST(d->raw_sha256 == sha256_hex(raw));
  BOOST_TEST(!digest_log_file(dir.path() / "a.log.zst", encoding::zstd, raw.size() - 1));
  auto p = digest_log_file(dir.path() / "a.log", encoding::plain);
  BOOST_TEST(p->raw_sha256 == p->sha256);
}

BOOST_AUTO_TEST_SUITE_END()
