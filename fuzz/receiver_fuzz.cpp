// SPDX-License-Identifier: Apache-2.0
// The master's chunk receiver (real .part files in a temp dir) driven by a
// fuzzer-chosen sequence of begin / chunk / end / expire events, with valid
// and invalid manifests, right and wrong chunk bytes and sizes, duplicates
// and any order. Invariant: nothing ever crashes, and every file stored
// under a final name has exactly the content its manifest's sha256 names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/fs/sha256.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "master-service/master_config.hpp"
#include "master-service/receiver/receiver.hpp"
#include "master-service/storage/storage_layout.hpp"

namespace {

using namespace peranda;

// The bytes every well-formed upload carries: a pure function of the size.
std::string content(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 31 + 7) & 0xff);
  return s;
}

struct input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::string_view take(std::size_t len) {
    len = std::min(len, n);
    std::string_view out(reinterpret_cast<const char*>(p), len);
    p += len;
    n -= len;
    return out;
  }
};

const std::filesystem::path& data_dir() {
  static const std::filesystem::path dir = [] {
    std::string templ = (std::filesystem::temp_directory_path() / "peranda-fuzz-XXXXXX").string();
    if (!::mkdtemp(templ.data())) std::abort();
    (void)set_log_level("off");
    return std::filesystem::path(templ);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::filesystem::remove_all(data_dir() / "data");
  master::master_config config;
  config.data_dir = data_dir() / "data";
  config.id = "m1";
  config.max_file_size = 64 * 1024;
  master::storage_layout layout(config.data_dir, config.storage_template);
  master::master_metrics metrics(get_logger("fuzz"));
  // Not opened: it records nothing (no fdatasync per stored file).
  master::unconfirmed_ledger unconfirmed("m1", {});
  // The pull tracker's answers: f2.log was never announced, and the pull
  // closes (and opens again) at fuzzer-chosen expiries.
  bool pull_open = true;
  master::receiver rx(
      config, layout, unconfirmed, metrics, [](const std::string&, const protocol::logs_ack&) {},
      [](const master::transfer_outcome&) {}, [](std::string_view) { return "127.0.0.1"; },
      [](const protocol::upload_begin& m) -> std::optional<master::upload_refusal> {
        if (m.file == "f2.log") return master::upload_refusal{"not_announced", "not announced"};
        return std::nullopt;
      },
      [&](const std::string&, const std::string&) { return pull_open; });

  static const char* k_nodes[] = {"n1", "n2"};
  static const char* k_transfers[] = {"t1", "t2", "t3"};
  input in{data, size};
  auto now = master::receiver::clock::time_point{};
  for (int step = 0; step < 64 && in.n > 0; ++step) {
    std::uint8_t op = in.byte();
    std::string node = k_nodes[op & 1];
    std::string transfer = k_transfers[(op >> 1) % 3];
    now += std::chrono::milliseconds(in.byte() * 100);
    switch ((op >> 3) % 6) {
      case 0: {  // a well-formed begin, possibly with a wrong hash or size
        protocol::upload_begin b;
        b.transfer_id = transfer;
        b.request_id = "r1";
        b.master_id = in.byte() % 8 == 0 ? "m2" : "m1";
        b.node = node;
        b.file = fmt::format("f{}.log", in.byte() % 3);
        b.size = static_cast<std::uint64_t>(in.byte()) * 37;
        b.chunk_size = 512;
        b.chunk_count = static_cast<std::uint32_t>(protocol::chunk_count_for(b.size, 512));
        b.sha256 = in.byte() % 4 == 0 ? std::string(64, 'e') : sha256_hex(content(b.size));
        rx.on_begin(node, transfer, protocol::encode(b), now);
        break;
      }
      case 1: {  // the right bytes of a chunk of a file of some size
        std::uint32_t index = in.byte() % 24;
        std::size_t file_size = static_cast<std::size_t>(in.byte()) * 37;
        auto whole = content(file_size);
        auto begin = std::min<std::size_t>(std::size_t{index} * 512, whole.size());
        rx.on_chunk(node, transfer, index, std::string_view(whole).substr(begin, 512), now);
        break;
      }
      case 2: {  // arbitrary bytes as a chunk, any index
        std::uint32_t index = in.byte() | (static_cast<std::uint32_t>(in.byte() & 0x3) << 8);
        rx.on_chunk(node, transfer, index, in.take(in.byte() * 4), now);
        break;
      }
      case 3: {
        protocol::upload_end e{transfer, in.byte()};
        rx.on_end(node, transfer, protocol::encode(e), now);
        break;
      }
      case 4:  // raw bytes as a manifest or an end
        if (op & 0x40) rx.on_begin(node, transfer, in.take(in.byte() * 2), now);
        else rx.on_end(node, transfer, in.take(in.byte() * 2), now);
        break;
      case 5:
        now += std::chrono::minutes(in.byte());
        pull_open = in.byte() % 4 != 0;
        rx.expire(now);
        break;
    }
  }
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(config.data_dir, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() == ".part") continue;
    auto stored = sha256_file_hex(it->path());
    if (!stored || *stored != sha256_hex(content(it->file_size()))) __builtin_trap();
  }
  return 0;
}
