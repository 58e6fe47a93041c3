// SPDX-License-Identifier: Apache-2.0
// Shared by the agent_*_test programs: a broker, a real peranda-agent with a
// config written by the test, and a test-side MQTT client that stands in for
// the master and records everything the agent publishes.
#pragma once

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/mqtt/session.hpp"
#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/topics.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/message_inbox.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {

inline constexpr const char* k_node = "n1";

// Records what arrives on the topics it subscribed to. Its session is
// persistent, so messages published while it reconnects are not lost.
class recorder {
 public:
  recorder(const std::string& url, const std::string& client_id, std::vector<std::string> filters,
           std::function<void(const mqtt_session::message&)> on_message = {})
      : on_message_(std::move(on_message)) {
    mqtt_session::options o;
    o.server_uri = url;
    o.client_id = client_id;
    o.clean_session = false;
    o.min_retry = std::chrono::seconds(1);
    o.max_retry = std::chrono::seconds(2);
    session_ = std::make_unique<mqtt_session::session>(o);
    for (auto& f : filters) inbox_.subscribe(*session_, f);
    BOOST_REQUIRE(session_->start().has_value());
    BOOST_REQUIRE(session_->wait_connected(std::chrono::seconds(30)));
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        auto m = inbox_.pop_for(std::chrono::milliseconds(100));
        if (!m) continue;
        if (on_message_) on_message_(*m);
        std::lock_guard lock(mu_);
        messages_.push_back(std::move(*m));
      }
    });
  }
  ~recorder() {
    thread_.request_stop();
    thread_.join();
    session_->stop();
  }

  std::vector<mqtt_session::message> on(const std::string& suffix) const {
    std::lock_guard lock(mu_);
    std::vector<mqtt_session::message> out;
    for (const auto& m : messages_) {
      if (m.topic.ends_with(suffix)) out.push_back(m);
    }
    return out;
  }

  std::vector<protocol::alarm> alarms() const {
    std::vector<protocol::alarm> out;
    for (const auto& m : on("/alarm")) {
      auto a = protocol::decode_alarm(m.payload);
      BOOST_REQUIRE_MESSAGE(a.has_value(), "invalid alarm: " + m.payload);
      out.push_back(*a);
    }
    return out;
  }

  // Alarms with distinct ids (what a de-duplicating receiver keeps).
  std::map<std::string, protocol::alarm> unique_alarms() const {
    std::map<std::string, protocol::alarm> out;
    for (auto& a : alarms()) out.emplace(a.id, a);
    return out;
  }

  std::optional<protocol::heartbeat> last_heartbeat() const {
    auto hbs = on("/heartbeat");
    if (hbs.empty() || hbs.back().payload.empty()) return std::nullopt;
    auto hb = protocol::decode_heartbeat(hbs.back().payload);
    if (!hb) return std::nullopt;
    return *hb;
  }

  mqtt_session::session& session() { return *session_; }

 private:
  std::function<void(const mqtt_session::message&)> on_message_;
  message_inbox inbox_;
  std::unique_ptr<mqtt_session::session> session_;
  mutable std::mutex mu_;
  std::vector<mqtt_session::message> messages_;
  std::jthread thread_;
};

// Stands in for a master's alarm journal: announces itself online and
// confirms every alarm it receives, as peranda-master does once the alarm
// is journaled.
class confirming_master {
 public:
  explicit confirming_master(const std::string& url)
      : rec_(url, "confirming-master", {"peranda/v1/nodes/+/alarm"},
             [this](const mqtt_session::message& m) { confirm(m); }) {
    protocol::master_status online{k_id, protocol::node_state::online, 1, "test", 0, 0};
    BOOST_REQUIRE(rec_.session()
                      .publish({topics_.master_status(k_id), protocol::encode(online), 1, true})
                      .has_value());
  }

 private:
  static constexpr const char* k_id = "test-master";

  void confirm(const mqtt_session::message& m) {
    auto a = protocol::decode_alarm(m.payload);
    if (!a) return;
    protocol::alarm_ack ack{k_id, {a->id}, {}, 0};
    (void)rec_.session().publish({topics_.alarm_ack(a->node), protocol::encode(ack), 1, false});
  }

  protocol::topic_scheme topics_;
  recorder rec_;
};

// A broker, an agent config and the agent process.
struct agent_rig {
  explicit agent_rig(const std::string& sections, const std::string& agent_keys = "")
      : b(dir / "broker", broker_extra()) {
    std::ofstream cfg(config());
    cfg << "[broker]\nurl = \"" << b.url() << "\"\nkeepalive = \"5s\"\n"
        << "[agent]\nnode_id = \"" << k_node << "\"\nip = \"127.0.0.1\"\n"
        << "spool_dir = \"" << (dir / "spool").string() << "\"\n"
        << "heartbeat_interval = \"300ms\"\nalarm_resend_after = \"2s\"\n"
        << agent_keys << "\n"
        << sections;
  }

  // Run as root, mosquitto drops to user `mosquitto`, which cannot write its
  // persistence into our private temp dir: then a broker restart would lose
  // the test subscriber's session. Keep it root for tests.
  static std::string broker_extra() { return ::geteuid() == 0 ? "user root\n" : ""; }

  std::filesystem::path config() const { return dir / "agent.toml"; }
  std::filesystem::path spool_files() const { return dir / "spool" / "files"; }
  std::filesystem::path outbox() const { return dir / "spool" / "outbox"; }

  // Starts the agent and waits until `ready` appeared in its log `times`
  // times in all (the log is appended to across restarts).
  void start_agent(const std::string& ready = "", std::size_t times = 1) {
    agent = std::make_unique<child_process>(
        std::vector<std::string>{program("peranda-agent"), "-c", config().string(), "--log-level",
                                 "debug"},
        dir / "agent.log");
    if (!ready.empty()) {
      wait_until([&] { return count_in_log(ready) >= times || !agent->running(); });
      BOOST_REQUIRE_MESSAGE(count_in_log(ready) >= times, "agent not ready: " + log());
    }
    BOOST_REQUIRE_MESSAGE(agent->running(), "peranda-agent exited: " + log());
  }

  std::string log() const {
    std::ifstream in(dir / "agent.log");
    return {std::istreambuf_iterator<char>(in), {}};
  }

  std::size_t count_in_log(const std::string& needle) const {
    auto text = log();
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  }

  std::size_t outbox_size() const {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(outbox(), ec)) {
      if (e.path().extension() == ".json") ++n;
    }
    return n;
  }

  temp_dir dir;
  broker b;
  std::unique_ptr<child_process> agent;
};

inline void append_line(const std::filesystem::path& path, const std::string& line) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << line << '\n';
}

}  // namespace peranda::test
