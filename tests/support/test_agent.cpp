// SPDX-License-Identifier: Apache-2.0
#include "tests/support/test_agent.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "core/fs/sha256.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "core/util/clock.hpp"

namespace peranda::test {
namespace {

mqtt_session::options plain(std::string url, const std::string& node) {
  mqtt_session::options o;
  o.server_uri = std::move(url);
  o.client_id = node;
  o.clean_session = true;
  return o;
}

}  // namespace

test_agent::test_agent(std::string broker_url, std::string node, std::string ip,
                       std::uint64_t session)
    : test_agent(plain(std::move(broker_url), node), node, std::move(ip), session) {}

test_agent::test_agent(mqtt_session::options o, std::string node, std::string ip,
                       std::uint64_t session)
    : node_(std::move(node)), ip_(std::move(ip)), session_id_(session) {
  o.will = heartbeat_message(protocol::node_state::lost, session_id_);
  seq_ = 0;  // heartbeats count from 1
  session_ = std::make_unique<mqtt_session::session>(std::move(o));
  mailbox_.subscribe(*session_, node_);
  if (!session_->start() || !session_->wait_connected(std::chrono::seconds(30))) {
    throw std::runtime_error("test agent '" + node_ + "' cannot connect");
  }
}

test_agent::~test_agent() {
  server_ = {};
  session_->stop();
}

mqtt_session::message test_agent::heartbeat_message(protocol::node_state state,
                                                    std::uint64_t session) const {
  protocol::heartbeat hb;
  hb.node = node_;
  hb.machine_id = "machine-" + node_;
  hb.ip = ip_;
  hb.hostname = node_ + ".test";
  hb.state = state;
  hb.session = session;
  hb.seq = ++seq_;
  hb.agent_version = "test";
  hb.ts_ms = wall_clock_ms();
  return {topics_.heartbeat(node_), protocol::encode(hb), 1, true};
}

void test_agent::heartbeat(protocol::node_state state) {
  publish(heartbeat_message(state, session_id_));
}

void test_agent::publish(mqtt_session::message m) {
  if (!session_->publish(std::move(m))) throw std::runtime_error("publish failed");
}

protocol::alarm test_agent::alarm(const std::string& id, std::string line) const {
  protocol::alarm a;
  a.id = id;
  a.node = node_;
  a.rule = "oom";
  a.level = protocol::severity::critical;
  a.source = "kern";
  a.line = std::move(line);
  a.ts_ms = wall_clock_ms();
  return a;
}

void test_agent::send_alarm(const protocol::alarm& a, bool retained) {
  publish({topics_.alarm(node_), protocol::encode(a), 1, retained});
}

void test_agent::add_file(const std::string& name, std::string bytes) {
  std::lock_guard lock(mu_);
  spool_[name] = std::move(bytes);
}

bool test_agent::has_file(const std::string& name) const {
  std::lock_guard lock(mu_);
  return spool_.contains(name);
}

void test_agent::serve(std::string master_id, upload_options opts) {
  server_ = std::jthread([this, master_id, opts](std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto req = mailbox_.pop_request(std::chrono::milliseconds(200), stop);
      if (!req || req->master_id != master_id) continue;
      answer(*req, opts);
    }
  });
}

std::optional<protocol::logs_request> test_agent::accept_request(
    const std::string& request_id, const std::vector<std::string>& files,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto req = mailbox_.pop_request(std::max(left, std::chrono::milliseconds(0)));
    if (!req) return std::nullopt;
    if (req->request_id == request_id) {
      accept(*req, files);
      return req;
    }
    accept(*req, {});
  }
}

void test_agent::accept(const protocol::logs_request& req, const std::vector<std::string>& files) {
  protocol::logs_reply reply;
  reply.request_id = req.request_id;
  reply.master_id = req.master_id;
  reply.status = protocol::reply_status::accepted;
  reply.files = files;
  reply.ts_ms = wall_clock_ms();
  publish({topics_.logs_reply(node_), protocol::encode(reply), 1, false});
}

protocol::upload_begin test_agent::manifest(const std::string& file, const std::string& bytes,
                                            const std::string& transfer, const std::string& request,
                                            const std::string& master_id,
                                            std::uint32_t chunk_size) const {
  protocol::upload_begin m;
  m.transfer_id = transfer;
  m.request_id = request;
  m.master_id = master_id;
  m.node = node_;
  m.file = file;
  m.size = bytes.size();
  m.sha256 = sha256_hex(bytes);
  m.chunk_size = chunk_size;
  m.chunk_count = static_cast<std::uint32_t>(protocol::chunk_count_for(m.size, chunk_size));
  m.mtime_ms = wall_clock_ms();
  return m;
}

void test_agent::send_begin(const protocol::upload_begin& m) {
  publish({topics_.upload_begin(node_, m.transfer_id), protocol::encode(m), 1, false});
}

void test_agent::send_chunk(const protocol::upload_begin& m, const std::string& bytes,
                            std::uint32_t i) {
  auto start = std::uint64_t{i} * m.chunk_size;
  publish({topics_.upload_chunk(node_, m.transfer_id, i),
           bytes.substr(start, std::min<std::uint64_t>(m.chunk_size, bytes.size() - start)), 1,
           false});
}

void test_agent::send_end(const protocol::upload_begin& m) {
  publish({topics_.upload_end(node_, m.transfer_id),
           protocol::encode(protocol::upload_end{m.transfer_id, m.chunk_count}), 1, false});
}

void test_agent::answer(const protocol::logs_request& req, const upload_options& opts) {
  std::map<std::string, std::string> files;
  {
    std::lock_guard lock(mu_);
    files = spool_;
  }
  protocol::logs_reply reply;
  reply.request_id = req.request_id;
  reply.master_id = req.master_id;
  reply.status = files.empty() ? protocol::reply_status::empty : protocol::reply_status::accepted;
  for (const auto& [name, _] : files) reply.files.push_back(name);
  reply.ts_ms = wall_clock_ms();
  publish({topics_.logs_reply(node_), protocol::encode(reply), 1, false});
  for (const auto& [name, bytes] : files) upload(req, name, bytes, opts);
}

void test_agent::upload(const protocol::logs_request& req, const std::string& name,
                        const std::string& bytes, const upload_options& opts) {
  auto m = manifest(name, bytes, fmt::format("t{}", ++transfers_), req.request_id, req.master_id,
                    req.chunk_size);
  if (opts.wrong_sha256) m.sha256 = sha256_hex(bytes + "x");
  send_begin(m);
  if (opts.stall) return send_chunk(m, bytes, 0);
  // Sliding window: never more than `window` chunks beyond the last ack.
  std::mt19937 rng(42);
  std::uint32_t acked = 0;
  std::uint32_t sent = 0;
  while (acked < m.chunk_count) {
    std::vector<std::uint32_t> order;
    for (; sent < std::min(m.chunk_count, acked + req.window); ++sent) order.push_back(sent);
    if (opts.shuffle_and_duplicate) {
      order.insert(order.end(), order.begin(), order.end());
      std::shuffle(order.begin(), order.end(), rng);
    }
    for (auto i : order) send_chunk(m, bytes, i);
    auto ack = wait_ack(
        m.transfer_id, [&](const protocol::logs_ack& a) { return is_final(a) || a.next > acked; },
        std::chrono::seconds(60));
    if (!ack || is_final(*ack)) return settle(name, ack);
    acked = ack->next;
  }
  send_end(m);
  if (opts.end_twice) send_end(m);
  while (true) {
    auto ack = wait_ack(
        m.transfer_id,
        [](const protocol::logs_ack& a) {
          return is_final(a) || a.status == protocol::ack_status::missing;
        },
        std::chrono::seconds(60));
    if (!ack || is_final(*ack)) return settle(name, ack);
    for (auto i : ack->missing) send_chunk(m, bytes, i);
    send_end(m);
  }
}

void test_agent::settle(const std::string& name, const std::optional<protocol::logs_ack>& ack) {
  if (!ack || ack->status != protocol::ack_status::complete) return;  // keep the file
  std::lock_guard lock(mu_);
  spool_.erase(name);  // only now may the agent delete its file
}

}  // namespace peranda::test
