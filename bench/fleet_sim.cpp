// SPDX-License-Identifier: Apache-2.0
// Simulates N agents from one process: each holds its own MQTT session,
// publishes a retained heartbeat every `heartbeat` seconds, and answers every
// pull with a `file_kib` KiB upload done by the real protocol (reply, begin,
// one or more chunks, end; waits for `complete`). Prints a JSON summary:
// sessions, requests served, pull-interval lag percentiles.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
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

struct options {
  std::uint16_t port = 1883;
  int nodes = 1000;
  int heartbeat_s = 10;
  int file_kib = 10;
  int duration_s = 120;
  int pull_interval_s = 60;
  std::string prefix = "sim";
};

struct node {
  std::string id;
  int fd = -1;
  std::string in, out;
  bool connected = false;
  std::uint16_t next_id = 1;
  clock_type::time_point next_heartbeat{};
  clock_type::time_point last_request{};
  std::uint64_t seq = 0;
  int uploads = 0;
};

struct simulator {
  options opt;
  protocol::topic_scheme topics;
  std::vector<node> nodes;
  std::unordered_map<int, std::size_t> by_fd;
  int epfd = epoll_create1(0);
  std::string file;
  std::string file_sha;
  std::vector<double> lag_ms;
  std::uint64_t requests = 0, completes = 0, rejected = 0, heartbeats = 0;

  std::uint16_t packet_id(node& n) {
    if (++n.next_id == 0) n.next_id = 1;
    return n.next_id;
  }

  void send(node& n, const std::string& bytes) {
    n.out += bytes;
    flush(n);
  }

  void flush(node& n) {
    while (!n.out.empty()) {
      ssize_t w = ::send(n.fd, n.out.data(), n.out.size(), MSG_NOSIGNAL);
      if (w <= 0) break;
      n.out.erase(0, static_cast<std::size_t>(w));
    }
    epoll_event ev{};
    ev.events = EPOLLIN | (n.out.empty() ? 0u : static_cast<unsigned>(EPOLLOUT));
    ev.data.fd = n.fd;
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

  void open(std::size_t i) {
    node& n = nodes[i];
    n.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(n.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(opt.port);
    ::connect(n.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.fd = n.fd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, n.fd, &ev);
    by_fd[n.fd] = i;
    n.out = connect_packet(n.id, 60, topics.heartbeat(n.id), heartbeat(n, protocol::node_state::lost));
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
      if (n.last_request != clock_type::time_point{}) {
        double interval = std::chrono::duration<double, std::milli>(now - n.last_request).count();
        lag_ms.push_back(std::max(0.0, interval - opt.pull_interval_s * 1000.0));
      }
      n.last_request = now;
      auto transfer = fmt::format("{}-{}", n.id, n.uploads++);
      std::string file_name = fmt::format("sim-{:06}.log", n.uploads);
      protocol::logs_reply reply{rq->request_id, rq->master_id, protocol::reply_status::accepted,
                                 {file_name}, "", wall_clock_ms(), {}};
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
      if (ack && ack->status == protocol::ack_status::complete) ++completes;
      if (ack && ack->status == protocol::ack_status::rejected) ++rejected;
    }
  }

  void on_readable(node& n) {
    char buf[65536];
    while (true) {
      ssize_t r = ::recv(n.fd, buf, sizeof buf, 0);
      if (r <= 0) break;
      n.in.append(buf, static_cast<std::size_t>(r));
    }
    while (auto p = take_packet(n.in)) {
      if (p->type == k_connack) {
        n.connected = true;
        send(n, subscribe_packet(packet_id(n), topics.logs_request(n.id)));
        send(n, subscribe_packet(packet_id(n), topics.logs_ack(n.id)));
        n.next_heartbeat = clock_type::now();
      } else if (p->type == k_publish) {
        if (auto pub = parse_publish(*p)) on_publish(n, *pub);
      }
    }
  }

  int connected() const {
    return static_cast<int>(std::count_if(nodes.begin(), nodes.end(), [](const node& n) { return n.connected; }));
  }

  void run() {
    file.assign(static_cast<std::size_t>(opt.file_kib) * 1024, 'L');
    file_sha = sha256_hex(file);
    nodes.resize(static_cast<std::size_t>(opt.nodes));
    for (int i = 0; i < opt.nodes; ++i) nodes[static_cast<std::size_t>(i)].id = fmt::format("{}-{:05}", opt.prefix, i);
    auto start = clock_type::now();
    auto end = start + std::chrono::seconds(opt.duration_s);
    std::size_t opened = 0;
    auto last_ping = start;
    std::vector<epoll_event> events(1024);
    while (clock_type::now() < end) {
      // Open sessions in batches, as a fleet reconnecting after an outage would.
      for (int k = 0; k < 200 && opened < nodes.size(); ++k) open(opened++);
      int count = epoll_wait(epfd, events.data(), static_cast<int>(events.size()), 20);
      for (int e = 0; e < count; ++e) {
        auto it = by_fd.find(events[static_cast<std::size_t>(e)].data.fd);
        if (it == by_fd.end()) continue;
        node& n = nodes[it->second];
        if (events[static_cast<std::size_t>(e)].events & EPOLLIN) on_readable(n);
        flush(n);
      }
      auto now = clock_type::now();
      for (auto& n : nodes) {
        if (!n.connected || now < n.next_heartbeat) continue;
        send(n, publish_packet(topics.heartbeat(n.id), heartbeat(n, protocol::node_state::online),
                               packet_id(n), true));
        ++heartbeats;
        n.next_heartbeat = now + std::chrono::seconds(opt.heartbeat_s);
      }
      if (now - last_ping > std::chrono::seconds(20)) {
        for (auto& n : nodes) if (n.connected) send(n, pingreq_packet());
        last_ping = now;
      }
    }
    std::sort(lag_ms.begin(), lag_ms.end());
    auto pct = [&](double q) {
      return lag_ms.empty() ? 0.0 : lag_ms[static_cast<std::size_t>(q * static_cast<double>(lag_ms.size() - 1))];
    };
    std::printf("{\"nodes\": %d, \"connected\": %d, \"heartbeats\": %llu, \"requests\": %llu, "
                "\"completes\": %llu, \"rejected\": %llu, \"pull_lag_ms_p50\": %.0f, "
                "\"pull_lag_ms_p99\": %.0f, \"pull_lag_ms_max\": %.0f, \"lag_samples\": %zu}\n",
                opt.nodes, connected(), static_cast<unsigned long long>(heartbeats),
                static_cast<unsigned long long>(requests), static_cast<unsigned long long>(completes),
                static_cast<unsigned long long>(rejected), pct(0.5), pct(0.99),
                lag_ms.empty() ? 0.0 : lag_ms.back(), lag_ms.size());
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
    else if (key == "--prefix") sim.opt.prefix = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--port P] [--nodes N] [--heartbeat S] [--file-kib K] "
                           "[--duration S] [--pull-interval S] [--prefix NAME]\n", argv[0]);
      return 2;
    }
  }
  sim.run();
  return 0;
}
