// SPDX-License-Identifier: Apache-2.0
// Simulates N agents from one process: each holds its own MQTT session,
// publishes a retained heartbeat every `heartbeat` seconds, and answers every
// pull with a `file_kib` KiB upload done by the real protocol (reply, begin,
// one or more chunks, end; waits for `complete`). Prints a JSON summary:
// sessions, requests served, pull-interval lag percentiles. Ends after
// `duration` seconds or at SIGTERM/SIGINT, either way with the summary.
// Like an agent it answers a request's `confirm` from the completes it saw,
// so a master's unconfirmed-file bookkeeping settles as with real agents.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/mqtt_wire.hpp"
#include "core/fs/sha256.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "core/protocol/topics.hpp"
#include "core/util/clock.hpp"

using namespace peranda;
using namespace peranda::bench;
using clock_type = std::chrono::steady_clock;

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int) { g_stop = 1; }

struct options {
  std::uint16_t port = 1883;
  int nodes = 1000;
  int heartbeat_s = 10;
  int file_kib = 10;
  int duration_s = 120;
  int pull_interval_s = 60;
  int sources = 1;
  std::string prefix = "sim";
  std::string requests_log;
};

// Sessions connecting at once: beyond the broker's accept backlog, SYNs are
// dropped and retried after 1, 3, 7 s..., which would stretch a 50,000-node
// start-up for no reason a real fleet has.
constexpr std::size_t k_max_connecting = 1000;
// A dropped session is opened again after this, as an agent reconnects.
constexpr auto k_reconnect_delay = std::chrono::seconds(1);
// Output kept allocated per session once sent: 50,000 sessions each holding
// the capacity of their largest upload would be gigabytes.
constexpr std::size_t k_kept_out_capacity = 4096;
// Completes remembered per session for `confirm` answers: a master asks
// within seconds of the complete it may have missed, so a few are enough.
constexpr std::size_t k_kept_completes = 8;

struct completed_upload {
  std::string file, master, store;
};

struct node {
  std::string id;
  int fd = -1;
  std::string in, out;
  bool connected = false;
  bool wants_out = false;  // EPOLLOUT is in the fd's epoll interest
  std::uint16_t next_id = 1;
  clock_type::time_point next_heartbeat{};
  clock_type::time_point last_request{};
  std::uint64_t seq = 0;
  int uploads = 0;
  std::vector<completed_upload> completed;  // newest last
};

std::string sim_file_name(int upload) { return fmt::format("sim-{:06}.log", upload); }

struct due_entry {
  clock_type::time_point at;
  std::size_t node;
};

std::int64_t monotonic_ms(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct simulator {
  options opt;
  protocol::topic_scheme topics;
  std::vector<node> nodes;
  int epfd = epoll_create1(0);
  std::string file;
  std::string file_sha;
  std::vector<double> lag_ms;
  std::uint64_t requests = 0, completes = 0, rejected = 0, heartbeats = 0, drops = 0;
  std::size_t connecting = 0;
  // Entries are appended at now + a fixed delay, so both queues stay in time order:
  // no node is looked at before it is due, which matters at 50,000 nodes.
  std::deque<due_entry> heartbeat_due, reconnect_due;
  clock_type::time_point start = clock_type::now();
  std::FILE* requests_log = nullptr;

  std::size_t index_of(const node& n) const { return static_cast<std::size_t>(&n - nodes.data()); }

  std::uint16_t packet_id(node& n) {
    if (++n.next_id == 0) n.next_id = 1;
    return n.next_id;
  }

  // Writes at once what the socket takes and keeps only the rest, so most
  // sessions hold no output buffer at all.
  void send(node& n, std::string_view bytes) {
    if (n.fd < 0) return;
    if (n.out.empty()) bytes.remove_prefix(write_some(n, bytes));
    n.out.append(bytes);
    watch_output(n);
  }

  std::size_t write_some(node& n, std::string_view bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t w = ::send(n.fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (w <= 0) break;
      sent += static_cast<std::size_t>(w);
    }
    return sent;
  }

  void flush(node& n) {
    n.out.erase(0, write_some(n, n.out));
    if (n.out.empty() && n.out.capacity() > k_kept_out_capacity) std::string{}.swap(n.out);
    watch_output(n);
  }

  // epoll_ctl only when the interest changes: one call per send would double
  // the simulator's system calls.
  void watch_output(node& n) {
    bool want = !n.out.empty();
    if (want == n.wants_out) return;
    n.wants_out = want;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? static_cast<unsigned>(EPOLLOUT) : 0u);
    ev.data.u64 = index_of(n);
    epoll_ctl(epfd, EPOLL_CTL_MOD, n.fd, &ev);
  }

  std::string heartbeat(node& n, protocol::node_state state) {
    protocol::heartbeat hb;
    hb.node = n.id;
    hb.machine_id = "sim-" + n.id;
    hb.ip = "127.0.0.1";
    hb.hostname = n.id;
    hb.state = state;
    hb.session = 1;
    hb.seq = n.seq++;
    hb.agent_version = "sim";
    hb.ts_ms = wall_clock_ms();
    return protocol::encode(hb);
  }

  // One source address has ~28k ephemeral ports towards one broker port;
  // node i connects from 127.0.0.(1 + i % sources). IP_BIND_ADDRESS_NO_PORT
  // leaves the port to connect(), which may then reuse it towards others.
  void bind_source(int fd, std::size_t i) {
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    auto k = static_cast<std::uint32_t>(i % static_cast<std::size_t>(opt.sources));
    source.sin_addr.s_addr = htonl(INADDR_LOOPBACK + k);
    ::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source);
  }

  void open(std::size_t i) {
    node& n = nodes[i];
    n.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (n.fd < 0) {
      std::perror("socket");  // out of descriptors: tried again like a drop
      reconnect_due.push_back({clock_type::now() + k_reconnect_delay, i});
      return;
    }
    int one = 1;
    setsockopt(n.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bind_source(n.fd, i);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(opt.port);
    ::connect(n.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    epoll_ctl(epfd, EPOLL_CTL_ADD, n.fd, &ev);
    n.wants_out = true;
    ++connecting;
    // Heartbeats are the keepalive: the broker resets its timer on any
    // packet, so, as with a real agent (Paho pings only when idle), no PINGREQ.
    auto keepalive = static_cast<std::uint16_t>(std::max(60, 3 * opt.heartbeat_s));
    n.out = connect_packet(n.id, keepalive, topics.heartbeat(n.id), heartbeat(n, protocol::node_state::lost));
  }

  // The broker closed the session or the connect failed: the node goes
  // silent and connects again after k_reconnect_delay.
  void drop(node& n) {
    if (!n.connected) --connecting;
    epoll_ctl(epfd, EPOLL_CTL_DEL, n.fd, nullptr);
    ::close(n.fd);
    n.fd = -1;
    n.connected = false;
    n.wants_out = false;
    std::string{}.swap(n.in);
    std::string{}.swap(n.out);
    ++drops;
    reconnect_due.push_back({clock_type::now() + k_reconnect_delay, index_of(n)});
  }

  void log_request(const node& n, const protocol::logs_request& rq, clock_type::time_point now) {
    if (!requests_log) return;
    std::fprintf(requests_log, "%lld %s %s\n",
                 static_cast<long long>(monotonic_ms(now) - monotonic_ms(start)), n.id.c_str(),
                 rq.master_id.c_str());
  }

  // The transfer id is "<node>-<upload>", the file "sim-<upload>.log".
  void remember_complete(node& n, const protocol::logs_ack& ack) {
    auto dash = ack.transfer_id.rfind('-');
    if (dash == std::string::npos) return;
    int upload = std::atoi(ack.transfer_id.c_str() + dash + 1);
    if (n.completed.size() == k_kept_completes) n.completed.erase(n.completed.begin());
    n.completed.push_back({sim_file_name(upload), ack.master_id, ack.store});
  }

  std::vector<protocol::file_confirmation> answer(
      const node& n, const std::vector<protocol::stored_file_ref>& asked) const {
    std::vector<protocol::file_confirmation> out;
    for (const auto& ref : asked) {
      protocol::file_confirmation c{ref.file, ref.sha256, protocol::confirmation_state::unknown,
                                    "", ""};
      auto done = std::ranges::find(n.completed, ref.file, &completed_upload::file);
      if (ref.sha256 == file_sha && done != n.completed.end()) {
        c.state = protocol::confirmation_state::completed;
        c.master = done->master;
        c.store = done->store;
      }
      out.push_back(std::move(c));
    }
    return out;
  }

  void on_publish(node& n, const incoming_publish& p) {
    if (p.id) send(n, puback_packet(p.id));
    auto topic = topics.parse(p.topic);
    if (!topic) return;
    if (topic->kind == protocol::topic_kind::logs_request) {
      auto rq = protocol::decode_logs_request(p.payload);
      if (!rq) return;
      ++requests;
      auto now = clock_type::now();
      log_request(n, *rq, now);
      if (n.last_request != clock_type::time_point{}) {
        double interval = std::chrono::duration<double, std::milli>(now - n.last_request).count();
        lag_ms.push_back(std::max(0.0, interval - opt.pull_interval_s * 1000.0));
      }
      n.last_request = now;
      auto transfer = fmt::format("{}-{}", n.id, ++n.uploads);
      std::string file_name = sim_file_name(n.uploads);
      protocol::logs_reply reply{rq->request_id, rq->master_id, protocol::reply_status::accepted,
                                 {file_name}, "", wall_clock_ms(), {}, {}};
      if (!rq->confirm.empty()) reply.confirmations = answer(n, rq->confirm);
      send(n, publish_packet(topics.logs_reply(n.id), protocol::encode(reply), packet_id(n), false));
      protocol::upload_begin b{transfer, rq->request_id, rq->master_id, n.id, file_name,
                               file.size(), file_sha, rq->chunk_size,
                               static_cast<std::uint32_t>(protocol::chunk_count_for(file.size(), rq->chunk_size)),
                               wall_clock_ms(), encoding::plain, file.size(), file_sha};
      send(n, publish_packet(topics.upload_begin(n.id, transfer), protocol::encode(b), packet_id(n), false));
      for (std::uint32_t i = 0; i < b.chunk_count; ++i) {
        auto chunk = std::string_view(file).substr(std::size_t{i} * b.chunk_size, b.chunk_size);
        send(n, publish_packet(topics.upload_chunk(n.id, transfer, i), chunk, packet_id(n), false));
      }
      protocol::upload_end e{transfer, b.chunk_count};
      send(n, publish_packet(topics.upload_end(n.id, transfer), protocol::encode(e), packet_id(n), false));
    } else if (topic->kind == protocol::topic_kind::logs_ack) {
      auto ack = protocol::decode_logs_ack(p.payload);
      if (ack && ack->status == protocol::ack_status::complete) {
        ++completes;
        remember_complete(n, *ack);
      }
      if (ack && ack->status == protocol::ack_status::rejected) ++rejected;
    }
  }

  // False when the session is gone (end of stream or an error).
  bool receive(node& n) {
    char buf[65536];
    while (true) {
      ssize_t r = ::recv(n.fd, buf, sizeof buf, 0);
      if (r > 0) {
        n.in.append(buf, static_cast<std::size_t>(r));
        continue;
      }
      return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }

  void on_readable(node& n) {
    if (!receive(n)) {
      drop(n);
      return;
    }
    while (n.fd >= 0) {
      auto p = take_packet(n.in);
      if (!p) break;
      if (p->type == k_connack) {
        n.connected = true;
        --connecting;
        send(n, subscribe_packet(packet_id(n), topics.logs_request(n.id)));
        send(n, subscribe_packet(packet_id(n), topics.logs_ack(n.id)));
        beat(n, clock_type::now());
      } else if (p->type == k_publish) {
        if (auto pub = parse_publish(*p)) on_publish(n, *pub);
      }
    }
  }

  void on_event(const epoll_event& ev) {
    node& n = nodes[ev.data.u64];
    if (n.fd < 0) return;
    if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(n);
    if (n.fd >= 0 && (ev.events & EPOLLOUT)) flush(n);
  }

  // The first one at once on connecting, as the agent does: it registers the node.
  void beat(node& n, clock_type::time_point now) {
    send(n, publish_packet(topics.heartbeat(n.id), heartbeat(n, protocol::node_state::online),
                           packet_id(n), true));
    ++heartbeats;
    n.next_heartbeat = now + std::chrono::seconds(opt.heartbeat_s);
    heartbeat_due.push_back({n.next_heartbeat, index_of(n)});
  }

  void send_heartbeats(clock_type::time_point now) {
    while (!heartbeat_due.empty() && heartbeat_due.front().at <= now) {
      auto [at, i] = heartbeat_due.front();
      heartbeat_due.pop_front();
      node& n = nodes[i];
      if (n.connected && at == n.next_heartbeat) beat(n, now);  // else dropped since
    }
  }

  // New sessions first, as a fleet connecting after an outage would, then
  // the dropped ones when due; never more than k_max_connecting at once.
  void open_more(std::size_t& opened, clock_type::time_point now) {
    while (connecting < k_max_connecting && opened < nodes.size()) open(opened++);
    while (connecting < k_max_connecting && !reconnect_due.empty() && reconnect_due.front().at <= now) {
      auto i = reconnect_due.front().node;
      reconnect_due.pop_front();
      open(i);
    }
  }

  int connected() const {
    return static_cast<int>(std::count_if(nodes.begin(), nodes.end(), [](const node& n) { return n.connected; }));
  }

  void print_summary() {
    std::sort(lag_ms.begin(), lag_ms.end());
    auto pct = [&](double q) {
      return lag_ms.empty() ? 0.0 : lag_ms[static_cast<std::size_t>(q * static_cast<double>(lag_ms.size() - 1))];
    };
    std::printf("{\"nodes\": %d, \"connected\": %d, \"heartbeats\": %llu, \"requests\": %llu, "
                "\"completes\": %llu, \"rejected\": %llu, \"drops\": %llu, \"pull_lag_ms_p50\": %.0f, "
                "\"pull_lag_ms_p99\": %.0f, \"pull_lag_ms_max\": %.0f, \"lag_samples\": %zu}\n",
                opt.nodes, connected(), static_cast<unsigned long long>(heartbeats),
                static_cast<unsigned long long>(requests), static_cast<unsigned long long>(completes),
                static_cast<unsigned long long>(rejected), static_cast<unsigned long long>(drops), pct(0.5),
                pct(0.99), lag_ms.empty() ? 0.0 : lag_ms.back(), lag_ms.size());
  }

  void run() {
    file.assign(static_cast<std::size_t>(opt.file_kib) * 1024, 'L');
    file_sha = sha256_hex(file);
    nodes.resize(static_cast<std::size_t>(opt.nodes));
    for (int i = 0; i < opt.nodes; ++i) nodes[static_cast<std::size_t>(i)].id = fmt::format("{}-{:05}", opt.prefix, i);
    if (!opt.requests_log.empty()) {
      requests_log = std::fopen(opt.requests_log.c_str(), "w");
      if (!requests_log) std::perror(opt.requests_log.c_str());
    }
    // The start in CLOCK_MONOTONIC (steady_clock on Linux): a reader can place
    // its own monotonic times, a kill say, on the log's time line.
    if (requests_log) {
      std::fprintf(requests_log, "# start_monotonic_ms %lld\n",
                   static_cast<long long>(monotonic_ms(start)));
    }
    auto end = start + std::chrono::seconds(opt.duration_s);
    std::size_t opened = 0;
    auto last_log_flush = start;
    std::vector<epoll_event> events(1024);
    while (clock_type::now() < end && !g_stop) {
      open_more(opened, clock_type::now());
      int count = epoll_wait(epfd, events.data(), static_cast<int>(events.size()), 20);
      for (int e = 0; e < count; ++e) on_event(events[static_cast<std::size_t>(e)]);
      auto now = clock_type::now();
      send_heartbeats(now);
      // Whole seconds of the log readable while the simulator runs.
      if (requests_log && now - last_log_flush >= std::chrono::seconds(1)) {
        std::fflush(requests_log);
        last_log_flush = now;
      }
    }
    if (requests_log) std::fclose(requests_log);
    print_summary();
    for (auto& n : nodes) {
      // Clean stop: offline heartbeat, then DISCONNECT so the broker drops the Will.
      if (!n.connected) continue;
      n.out += publish_packet(topics.heartbeat(n.id), heartbeat(n, protocol::node_state::offline), packet_id(n), true);
      n.out += std::string{static_cast<char>(k_disconnect << 4), 0};
      ::send(n.fd, n.out.data(), n.out.size(), MSG_NOSIGNAL);
      ::close(n.fd);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  simulator sim;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (key == "--port") sim.opt.port = static_cast<std::uint16_t>(value);
    else if (key == "--nodes") sim.opt.nodes = value;
    else if (key == "--heartbeat") sim.opt.heartbeat_s = value;
    else if (key == "--file-kib") sim.opt.file_kib = value;
    else if (key == "--duration") sim.opt.duration_s = value;
    else if (key == "--pull-interval") sim.opt.pull_interval_s = value;
    else if (key == "--sources" && value >= 1 && value <= 254) sim.opt.sources = value;
    else if (key == "--prefix") sim.opt.prefix = argv[i + 1];
    else if (key == "--requests-log") sim.opt.requests_log = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--port P] [--nodes N] [--heartbeat S] [--file-kib K] "
                           "[--duration S] [--pull-interval S] [--sources K (1-254)] [--prefix NAME] "
                           "[--requests-log FILE]\n", argv[0]);
      return 2;
    }
  }
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  sim.run();
  return 0;
}
