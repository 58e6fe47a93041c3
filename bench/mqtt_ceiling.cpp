// SPDX-License-Identifier: Apache-2.0
// The broker's own ceiling: a plain Paho QoS-1 publisher moves `total` bytes
// in `chunk`-sized messages, at most `inflight` unacknowledged, to a plain
// subscriber through the same broker. Prints MiB/s as the subscriber saw it
// (first byte to last byte). peranda's upload goodput is reported as a
// ratio of this figure measured in the same run.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include <mqtt/async_client.h>

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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s BROKER_URL TOTAL_MIB CHUNK_KIB INFLIGHT\n", argv[0]);
    return 2;
  }
  std::string url = argv[1];
  const std::size_t total = std::stoul(argv[2]) << 20;
  const std::size_t chunk = std::stoul(argv[3]) << 10;
  const int inflight = std::stoi(argv[4]);
  const std::size_t count = (total + chunk - 1) / chunk;

  mqtt::async_client sub(url, "ceiling-sub");
  std::atomic<std::size_t> received{0}, bytes{0};
  std::chrono::steady_clock::time_point first{}, last{};
  std::mutex mu;
  std::condition_variable all_in;
  sub.set_message_callback([&](mqtt::const_message_ptr m) {
    auto now = std::chrono::steady_clock::now();
    if (received == 0) first = now;
    bytes += m->get_payload().size();
    if (++received == count) {
      last = now;
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
  for (std::size_t i = 0; i < count; ++i) {
    std::unique_lock lock(listener.mu);
    listener.cv.wait(lock, [&] { return listener.outstanding < inflight; });
    ++listener.outstanding;
    lock.unlock();
    pub.publish(mqtt::make_message("ceiling/" + std::to_string(i), payload, 1, false), nullptr,
                listener);
  }
  std::unique_lock lock(mu);
  bool complete = all_in.wait_for(lock, std::chrono::minutes(5), [&] { return received == count; });
  double seconds = std::chrono::duration<double>(last - first).count();
  double mib = static_cast<double>(bytes.load()) / (1 << 20);
  std::printf("{\"chunks\": %zu, \"received\": %zu, \"mib\": %.1f, \"seconds\": %.3f, "
              "\"mib_per_s\": %.1f, \"complete\": %s}\n",
              count, received.load(), mib, seconds, complete ? mib / seconds : 0.0,
              complete ? "true" : "false");
  pub.disconnect()->wait();
  sub.disconnect()->wait();
  return complete ? 0 : 1;
}
