// SPDX-License-Identifier: Apache-2.0
// Alarm latency, end to end: appends COUNT lines carrying a wall-clock
// marker to a log file the agent tails (RATE per second), and watches the
// master's alarm journal with inotify; latency = time the journal line became
// visible - time the log line was written. Same machine, so one clock.
//
//   bench_alarm_latency LOG_FILE JOURNAL COUNT RATE TIMEOUT_S
//
// Prints one JSON object (p50/p99/max in ms, alarms seen). Bounded: stops
// after TIMEOUT_S even if alarms are missing (they are reported as lost).
#include <fcntl.h>
#include <sys/inotify.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The marker is "BENCH-ALARM seq=N t=NS"; returns the latency of one journal
// line in ms, or a negative value if the line is not one of ours.
double latency_ms(const std::string& line, std::int64_t seen_ns, std::vector<char>& seen) {
  auto at = line.find("BENCH-ALARM seq=");
  if (at == std::string::npos) return -1;
  char* end = nullptr;
  auto seq = std::strtoull(line.c_str() + at + 16, &end, 10);
  if (std::string(end, 3) != " t=") return -1;
  auto written = std::strtoll(end + 3, nullptr, 10);
  // QoS-1 redeliveries are de-duplicated by the master; count once anyway.
  if (seq >= seen.size() || seen[seq]) return -1;
  seen[seq] = 1;
  return static_cast<double>(seen_ns - written) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s LOG_FILE JOURNAL COUNT RATE TIMEOUT_S\n", argv[0]);
    return 2;
  }
  const std::string log_path = argv[1], journal_path = argv[2];
  const int count = std::stoi(argv[3]), rate = std::max(1, std::stoi(argv[4]));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::stoi(argv[5]));

  // The journal may not exist before the first alarm: create it empty so the
  // watch can start (the master appends with O_APPEND).
  int jfd = ::open(journal_path.c_str(), O_RDONLY | O_CREAT, 0644);
  int ifd = ::inotify_init1(IN_NONBLOCK);
  if (jfd < 0 || ifd < 0 || ::inotify_add_watch(ifd, journal_path.c_str(), IN_MODIFY) < 0) {
    std::perror("journal");
    return 1;
  }
  ::lseek(jfd, 0, SEEK_END);  // only alarms raised from now on
  int lfd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (lfd < 0) {
    std::perror("log file");
    return 1;
  }

  std::jthread writer([&, lfd] {
    auto next = std::chrono::steady_clock::now();
    for (int i = 0; i < count && std::chrono::steady_clock::now() < deadline; ++i) {
      std::this_thread::sleep_until(next);
      auto line = "app BENCH-ALARM seq=" + std::to_string(i) + " t=" + std::to_string(now_ns()) + "\n";
      if (::write(lfd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
      next += std::chrono::nanoseconds(1'000'000'000 / rate);
    }
  });

  std::vector<double> lat;
  std::vector<char> seen(static_cast<std::size_t>(count), 0);
  std::string pending;
  char buf[65536];
  while (static_cast<int>(lat.size()) < count && std::chrono::steady_clock::now() < deadline) {
    pollfd p{ifd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    while (::read(ifd, buf, sizeof buf) > 0) {
    }
    for (ssize_t n; (n = ::read(jfd, buf, sizeof buf)) > 0;) pending.append(buf, static_cast<std::size_t>(n));
    auto seen_ns = now_ns();
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      double ms = latency_ms(pending.substr(0, nl), seen_ns, seen);
      if (ms >= 0) lat.push_back(ms);
    }
  }
  writer.join();
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) {
    return lat.empty() ? 0.0 : lat[static_cast<std::size_t>(q * static_cast<double>(lat.size() - 1))];
  };
  std::printf("{\"sent\": %d, \"received\": %zu, \"rate_per_s\": %d, \"p50_ms\": %.2f, "
              "\"p99_ms\": %.2f, \"max_ms\": %.2f}\n",
              count, lat.size(), rate, pct(0.5), pct(0.99), lat.empty() ? 0.0 : lat.back());
  ::close(lfd);
  ::close(jfd);
  ::close(ifd);
  return static_cast<int>(lat.size()) == count ? 0 : 1;
}
