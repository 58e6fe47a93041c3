// SPDX-License-Identifier: Apache-2.0
// The broker's own ceiling: a plain Paho QoS-1 publisher moves `total` bytes
// in `chunk`-sized messages, at most `inflight` unacknowledged, to a plain
// subscriber through the same broker. Prints MiB/s as the subscriber saw it
// (first byte to last byte). peranda's upload goodput is reported as a
// ratio of this figure measured in the same run.
//
// With SOURCE and OUT_DIR it also does the per-byte work any upload that
// keeps peranda's promises must do, and nothing else: the publisher preads
// and hashes each chunk of SOURCE (copies of it are the "files"; the
// benchmark's agent hashes its files too, since they were placed before it
// started); the subscriber pwrites each chunk into a file in OUT_DIR and
// hashes it, and at each file's end checks the digest, fdatasyncs and
// renames. No flow control, no manifests, no thread hand-offs: the ceiling
// for the same work on the same machine.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include <fmt/format.h>
#include <mqtt/async_client.h>

#include "core/fs/sha256.hpp"

namespace {

struct counter_listener : mqtt::iaction_listener {
  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0;
  void on_success(const mqtt::token&) override { done(); }
  void on_failure(const mqtt::token&) override { done(); }
  void done() {
    std::lock_guard lock(mu);
    --outstanding;
    cv.notify_all();
  }
};

// The subscriber's side of the work: one output file per copy of the source.
class file_sink {
 public:
  file_sink(std::filesystem::path dir, std::size_t chunks_per_file, std::size_t chunk,
            std::string expected_sha256)
      : dir_(std::move(dir)),
        chunks_per_file_(chunks_per_file),
        chunk_(chunk),
        expected_(std::move(expected_sha256)) {}
  ~file_sink() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Chunks arrive in order (QoS 1 on one connection).
  bool write(std::size_t index, const std::string& bytes) {
    auto in_file = index % chunks_per_file_;
    if (in_file == 0 && !open(index / chunks_per_file_)) return false;
    if (::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(in_file * chunk_)) !=
        static_cast<ssize_t>(bytes.size())) {
      return false;
    }
    hash_.update(bytes);
    return in_file + 1 < chunks_per_file_ || close_file();
  }
  bool close_file() {
    if (fd_ < 0) return true;
    bool ok = hash_.finish_hex() == expected_ && ::fdatasync(fd_) == 0;
    ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    std::filesystem::rename(part_, final_, ec);
    return ok && !ec;
  }

 private:
  bool open(std::size_t file) {
    final_ = dir_ / fmt::format("f{}", file);
    part_ = dir_ / fmt::format("f{}.part", file);
    fd_ = ::open(part_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    hash_ = peranda::sha256();
    return fd_ >= 0;
  }

  std::filesystem::path dir_, part_, final_;
  std::size_t chunks_per_file_, chunk_;
  int fd_ = -1;
  peranda::sha256 hash_;
  const std::string expected_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 7) {
    std::fprintf(stderr, "usage: %s BROKER_URL TOTAL_MIB CHUNK_KIB INFLIGHT [SOURCE OUT_DIR]\n",
                 argv[0]);
    return 2;
  }
  std::string url = argv[1];
  const std::size_t chunk = std::stoul(argv[3]) << 10;
  const int inflight = std::stoi(argv[4]);
  const bool work = argc == 7;
  int source = -1;
  std::size_t total = std::stoul(argv[2]) << 20;
  // Without the work, one "file" of total bytes; with it, whole copies of SOURCE.
  std::size_t file_size = total;
  std::string source_sha;
  if (work) {
    source = ::open(argv[5], O_RDONLY | O_CLOEXEC);
    auto sha = peranda::sha256_file_hex(argv[5]);
    std::error_code ec;
    file_size = std::filesystem::file_size(argv[5], ec);
    if (source < 0 || !sha || ec || file_size == 0) {
      std::fprintf(stderr, "%s: cannot read it, or it is empty\n", argv[5]);
      return 2;
    }
    source_sha = *sha;
    total = (total + file_size - 1) / file_size * file_size;
  }
  const std::size_t chunks_per_file = (file_size + chunk - 1) / chunk;
  const std::size_t count = total / file_size * chunks_per_file;
  file_sink sink(work ? argv[6] : ".", chunks_per_file, chunk, source_sha);

  mqtt::async_client sub(url, "ceiling-sub");
  std::atomic<std::size_t> received{0}, bytes{0};
  std::atomic<bool> sink_ok{true};
  std::chrono::steady_clock::time_point first{}, last{};
  std::mutex mu;
  std::condition_variable all_in;
  sub.set_message_callback([&](mqtt::const_message_ptr m) {
    auto now = std::chrono::steady_clock::now();
    if (received == 0) first = now;
    const auto& payload = m->get_payload_str();
    if (work && !sink.write(std::stoul(m->get_topic().substr(8)), payload)) sink_ok = false;
    bytes += payload.size();
    if (++received == count) {
      last = std::chrono::steady_clock::now();
      std::lock_guard lock(mu);
      all_in.notify_all();
    }
  });
  sub.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
  sub.subscribe("ceiling/#", 1)->wait();

  mqtt::create_options create(MQTTVERSION_3_1_1, inflight + 8);
  mqtt::async_client pub(url, "ceiling-pub", create);
  pub.connect(mqtt::connect_options_builder().clean_session(true).max_inflight(inflight).finalize())
      ->wait();
  std::string payload(chunk, 'x');
  counter_listener listener;
  peranda::sha256 pub_hash;
  auto length_of = [&](std::size_t in_file) {
    return std::min(chunk, file_size - in_file * chunk);
  };
  for (std::size_t i = 0; i < count; ++i) {
    std::unique_lock lock(listener.mu);
    listener.cv.wait(lock, [&] { return listener.outstanding < inflight; });
    ++listener.outstanding;
    lock.unlock();
    if (work) {
      auto in_file = i % chunks_per_file;
      payload.resize(length_of(in_file));
      auto offset = static_cast<off_t>(in_file * chunk);
      if (::pread(source, payload.data(), payload.size(), offset) !=
          static_cast<ssize_t>(payload.size())) {
        return 1;
      }
      // As peranda's agent hashes a spool file it found at start-up.
      if (in_file == 0) pub_hash = peranda::sha256();
      pub_hash.update(payload);
      if (in_file + 1 == chunks_per_file && pub_hash.finish_hex() != source_sha) return 1;
    }
    pub.publish(mqtt::make_message("ceiling/" + std::to_string(i), payload, 1, false), nullptr,
                listener);
  }
  std::unique_lock lock(mu);
  bool complete = all_in.wait_for(lock, std::chrono::minutes(5), [&] { return received == count; });
  complete = complete && sink_ok;
  double seconds = std::chrono::duration<double>(last - first).count();
  double mib = static_cast<double>(bytes.load()) / (1 << 20);
  std::printf("{\"chunks\": %zu, \"received\": %zu, \"mib\": %.1f, \"seconds\": %.3f, "
              "\"mib_per_s\": %.1f, \"complete\": %s}\n",
              count, received.load(), mib, seconds, complete ? mib / seconds : 0.0,
              complete ? "true" : "false");
  pub.disconnect()->wait();
  sub.disconnect()->wait();
  if (source >= 0) ::close(source);
  return complete ? 0 : 1;
}
