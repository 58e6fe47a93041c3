// SPDX-License-Identifier: Apache-2.0
// Shared by the fault tests: a persistent broker (run as root so its
// persistence survives), one or more restartable peranda-masters (each
// with its own data_dir and alarm journal) and several real agents, each
// following its own log file whose lines carry unique markers. Everything
// is started and stopped by PID; the checks read the masters' data_dirs,
// their alarm journals and each agent's spool.
#pragma once

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <httplib.h>

#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/stored_files.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test::fault {

inline bool long_mode() {
  const char* v = std::getenv("PERANDA_FAULT_LONG");
  return v != nullptr && std::string(v) == "1";
}

// Seeds to run: PERANDA_FAULT_SEED (first seed; random if unset) and
// PERANDA_FAULT_SEEDS (how many consecutive seeds; 1 by default).
inline std::vector<unsigned> seeds() {
  unsigned first = std::random_device{}();
  if (const char* s = std::getenv("PERANDA_FAULT_SEED")) first = static_cast<unsigned>(std::stoul(s));
  int n = 1;
  if (const char* s = std::getenv("PERANDA_FAULT_SEEDS")) n = std::max(1, std::stoi(s));
  std::vector<unsigned> out;
  for (int i = 0; i < n; ++i) out.push_back(first + static_cast<unsigned>(i));
  return out;
}

inline std::string broker_extra() { return ::geteuid() == 0 ? "user root\n" : ""; }

// The marker of line `seq` of node `node`; unique across the whole run.
inline std::string marker(const std::string& node, int seq) {
  return "fm:" + node + ":" + std::to_string(seq) + ":";
}

// Adds every marker found in `text` to `out` (counted).
inline void collect_markers(const std::string& text, std::map<std::string, int>& out) {
  for (auto at = text.find("fm:"); at != std::string::npos; at = text.find("fm:", at + 3)) {
    auto end = text.find(':', text.find(':', at + 3) + 1);
    if (end == std::string::npos) break;
    ++out[text.substr(at, end + 1 - at)];
  }
}

inline std::map<std::string, int> stored_markers(const std::filesystem::path& data_dir) {
  std::map<std::string, int> seen;
  for (const auto& f : stored_files(data_dir)) collect_markers(read_all(f), seen);
  return seen;
}

// One master: its id, folder (data/, alarms.jsonl, master.toml, master.log)
// and HTTP port.
struct fault_master {
  std::string id;
  std::filesystem::path dir;
  std::uint16_t port = 0;
  std::unique_ptr<child_process> process;

  std::filesystem::path data_dir() const { return dir / "data"; }
  std::filesystem::path journal_file() const { return dir / "alarms.jsonl"; }
  std::filesystem::path config() const { return dir / "master.toml"; }
  std::filesystem::path log_file() const { return dir / "master.log"; }
};

// The kill point: a random event of the running pulls, never a time.
enum class kill_point { mid_transfer, after_store, pull_done };

inline const char* point_name(kill_point p) {
  return p == kill_point::mid_transfer ? "mid-transfer"
         : p == kill_point::after_store ? "after a stored file"
                                        : "pull done";
}

// One agent: its folder, the log file it follows, the lines written so far.
struct fault_agent {
  std::string node;
  std::filesystem::path dir;
  std::filesystem::path log_file;
  std::unique_ptr<child_process> process;
  int lines = 0;
  std::vector<std::string> alarm_markers;

  std::filesystem::path spool() const { return dir / "spool" / "files"; }

  // Appends `n` marked lines; every 37th carries FATAL (an alarm).
  void write_lines(int n, std::mt19937& rng) {
    std::ofstream out(log_file, std::ios::app | std::ios::binary);
    for (int i = 0; i < n; ++i, ++lines) {
      bool fatal = lines % 37 == 0;
      if (fatal) alarm_markers.push_back(marker(node, lines));
      out << marker(node, lines) << (fatal ? " FATAL boom " : " ok ")
          << std::string(rng() % 120, 'x') << "\n";
    }
  }

  // The agent has read the whole log file and saved its position there, so
  // a kill -9 now cannot spool a batch twice (the one documented window).
  bool caught_up() const {
    auto text = read_all(dir / "spool" / "state" / "positions" / "app.position");
    auto j = nlohmann::json::parse(text, nullptr, false);
    std::error_code ec;
    auto size = std::filesystem::file_size(log_file, ec);
    return j.is_object() && !ec && j.value("offset", std::uint64_t{0}) == size;
  }

  // Markers in the spool (closed and active files).
  std::map<std::string, int> spooled() const {
    std::map<std::string, int> seen;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(spool(), ec)) {
      auto name = e.path().filename().string();
      // The compressed copy of active.log being written holds the same
      // lines (an unfinished frame); a committed one replaces active.log
      // at the next start.
      if (name.ends_with(".part")) continue;
      if (name == "active.log.zst" && std::filesystem::exists(spool() / "active.log")) continue;
      collect_markers(read_all(e.path()), seen);
    }
    return seen;
  }
};

class fault_rig {
 public:
  // `master_extra` lines go into [master]; `agent_extra` into [agent].
  // `masters` masters m1, m2, ... share the broker, each with its own
  // data_dir; the first keeps the rig's own folder, the others get m2/, ...
  fault_rig(int agents, std::string master_extra, std::string agent_extra,
            std::string broker_more = "", int masters = 1)
      : broker_(dir_ / "broker", broker_extra() + broker_more),
        agent_extra_(std::move(agent_extra)) {
    for (int i = 0; i < masters; ++i) {
      auto m = std::make_unique<fault_master>();
      m->id = "m" + std::to_string(i + 1);
      m->dir = i == 0 ? dir_.path() : dir_ / m->id;
      m->port = free_port();
      std::filesystem::create_directories(m->data_dir());
      std::ofstream(m->config())
          << "[broker]\nurl = \"" << broker_.url() << "\"\nkeepalive = \"2s\"\n"
          << "[master]\nid = \"" << m->id << "\"\ndata_dir = \"" << m->data_dir().string()
          << "\"\n"
          << "http_listen = \"127.0.0.1:" << m->port << "\"\nworkers = 2\n"
          << "pull_interval = \"1h\"\nstale_after = \"1h\"\n"
          // Outside data_dir, so a full data_dir does not stop the journal.
          << "alarm_journal = \"" << m->journal_file().string() << "\"\n"
          << master_extra << "\n";
      masters_.push_back(std::move(m));
    }
    for (int i = 0; i < agents; ++i) {
      auto a = std::make_unique<fault_agent>();
      a->node = "node" + std::to_string(i);
      a->dir = dir_ / a->node;
      a->log_file = a->dir / "app.log";
      std::filesystem::create_directories(a->dir);
      std::ofstream(a->log_file).close();
      agents_.push_back(std::move(a));
    }
  }

  std::filesystem::path data_dir(std::size_t m = 0) const { return masters_[m]->data_dir(); }
  std::vector<std::filesystem::path> data_dirs() const {
    std::vector<std::filesystem::path> out;
    for (const auto& m : masters_) out.push_back(m->data_dir());
    return out;
  }
  std::filesystem::path dir() const { return dir_.path(); }
  broker& mqtt() { return broker_; }
  std::vector<std::unique_ptr<fault_agent>>& agents() { return agents_; }
  std::size_t master_count() const { return masters_.size(); }
  const std::string& master_id(std::size_t m) const { return masters_[m]->id; }

  void start_master(std::size_t m = 0) {
    auto& fm = *masters_[m];
    fm.process = std::make_unique<child_process>(
        std::vector<std::string>{program("peranda-master"), "-c", fm.config().string(),
                                 "--log-level", "debug"},
        fm.log_file());
    // The log may be long; it is built only on failure.
    if (!wait_until([&] { return metric("peranda_broker_connected", m) == 1; })) {
      BOOST_FAIL(fm.id << " did not connect: " << fm.process->log());
    }
  }
  void kill_master(std::size_t m = 0) { masters_[m]->process->kill9(); }
  std::string master_log(std::size_t m = 0) const { return read_all(masters_[m]->log_file()); }
  // For failure messages: is the master still there?
  std::string master_process_state(std::size_t m = 0) { return masters_[m]->process->state(); }
  // Every master's state and log, for failure messages.
  std::string masters_report() {
    std::string out;
    for (std::size_t m = 0; m < masters_.size(); ++m) {
      out += "\n--- " + masters_[m]->id + " (" + master_process_state(m) + "):\n" + master_log(m);
    }
    return out;
  }

  // `url` lets an agent reach the broker another way (a proxy, a netns);
  // `wrapper` is an argv prefix (e.g. `ip netns exec NAME`).
  void start_agent(fault_agent& a, const std::string& url = "",
                   std::vector<std::string> wrapper = {}) {
    std::ofstream(a.dir / "agent.toml")
        << "[broker]\nurl = \"" << (url.empty() ? broker_.url() : url)
        << "\"\nkeepalive = \"2s\"\n"
        << "[agent]\nnode_id = \"" << a.node << "\"\nip = \"127.0.0.1\"\n"
        << "spool_dir = \"" << (a.dir / "spool").string() << "\"\n"
        << "heartbeat_interval = \"300ms\"\nack_timeout = \"1s\"\nupload_retries = 1000\n"
        << "alarm_resend_after = \"2s\"\n"
        << agent_extra_ << "\n"
        << "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" << a.log_file.string()
        << "\"\nfrom_beginning = true\nrule_lines_per_second = 0\n"
        << "[[rule]]\nname = \"fatal\"\npattern = 'FATAL'\nseverity = \"critical\"\n";
    wrapper.insert(wrapper.end(), {program("peranda-agent"), "-c",
                                   (a.dir / "agent.toml").string(), "--log-level", "debug"});
    a.process = std::make_unique<child_process>(std::move(wrapper), a.dir / "agent.log");
  }

  nlohmann::json get(const std::string& path, std::size_t m = 0) const {
    httplib::Client c("127.0.0.1", masters_[m]->port);
    c.set_connection_timeout(2);
    auto res = c.Get(path);
    if (!res || res->status != 200) return nullptr;
    return nlohmann::json::parse(res->body, nullptr, false);
  }
  double metric(const std::string& sample, std::size_t m = 0) const {
    httplib::Client c("127.0.0.1", masters_[m]->port);
    c.set_connection_timeout(2);
    auto res = c.Get("/metrics");
    if (!res) return -1;
    auto text = "\n" + res->body;
    auto pos = text.find("\n" + sample + " ");
    if (pos == std::string::npos) return 0;
    return std::stod(text.substr(pos + sample.size() + 2));
  }
  // A master refuses the pull of a node another master owns: "".
  std::string pull(const std::string& node, std::size_t m = 0) const {
    httplib::Client c("127.0.0.1", masters_[m]->port);
    c.set_connection_timeout(2);
    auto res = c.Post("/api/v1/nodes/" + node + "/pull", {{"X-Peranda-Request", "1"}}, "",
                      "application/json");
    if (!res || res->status != 202) return "";
    return nlohmann::json::parse(res->body, nullptr, false).value("request_id", "");
  }
  bool pull_finished(const std::string& id, std::size_t m = 0) const {
    auto p = get("/api/v1/pulls/" + id, m);
    return !p.is_object() || p.value("finished", false);
  }
  std::string node_state(const std::string& node, std::size_t m = 0) const {
    auto j = get("/api/v1/nodes/" + node, m);
    return j.is_object() ? j.value("state", "") : "";
  }
  // The node's owner as master `m` sees it ("" if it does not answer).
  std::string node_owner(const std::string& node, std::size_t m = 0) const {
    auto j = get("/api/v1/nodes/" + node, m);
    return j.is_object() ? j.value("owner", "") : "";
  }

  // Pulls every node through every master (only its owner accepts) and
  // returns the (master, request id) pairs accepted.
  std::vector<std::pair<std::size_t, std::string>> pull_all() const {
    std::vector<std::pair<std::size_t, std::string>> out;
    for (const auto& a : agents_) {
      for (std::size_t m = 0; m < masters_.size(); ++m) {
        if (auto id = pull(a->node, m); !id.empty()) out.emplace_back(m, id);
      }
    }
    return out;
  }
  bool pulls_finished(const std::vector<std::pair<std::size_t, std::string>>& pulls) const {
    for (const auto& [m, id] : pulls) {
      if (!pull_finished(id, m)) return false;
    }
    return true;
  }
  // Markers across every master's data_dir.
  std::map<std::string, int> stored_everywhere() const {
    std::map<std::string, int> seen;
    for (const auto& d : data_dirs()) {
      for (const auto& f : stored_files(d)) collect_markers(read_all(f), seen);
    }
    return seen;
  }
  std::size_t stored_file_count() const {
    std::size_t n = 0;
    for (const auto& d : data_dirs()) n += stored_files(d).size();
    return n;
  }

  // Master `m`'s journal entries: alarm id -> how often, and marker -> how often.
  void journal(std::map<std::string, int>& ids, std::map<std::string, int>& markers,
               std::size_t m = 0) const {
    ids.clear();
    markers.clear();
    std::ifstream in(masters_[m]->journal_file());
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      auto id = j.value("id", std::string());
      if (id.empty() && j.contains("alarm")) id = j["alarm"].value("id", std::string());
      // The master's own fleet alarms (a node lost and back, docs/master.md)
      // come and go with the kills; what is checked here is the agents'.
      if (id.starts_with("fleet.")) continue;
      ++ids[id];
      collect_markers(j.dump(), markers);
    }
  }

  // drain(), failing the test (with the master's threads, if it is stuck)
  // when it does not finish. Boost builds a failure message even when the
  // check passes, hence no BOOST_TEST_REQUIRE here: that would run gdb.
  void require_drained() {
    if (!drain()) BOOST_FAIL("not all lines arrived" << masters_report());
  }

  // Pulls every node until each marker written is stored (or the deadline).
  bool drain(std::chrono::milliseconds deadline = std::chrono::minutes(3)) {
    return wait_until(
        [&] {
          auto stored = stored_everywhere();
          bool all = true;
          for (auto& a : agents_) {
            for (int i = 0; i < a->lines && all; ++i) all = stored.contains(marker(a->node, i));
          }
          if (all) return true;
          auto pulls = pull_all();
          wait_until([&] { return pulls_finished(pulls); }, std::chrono::seconds(20));
          return false;
        },
        deadline);
  }

  // Waits (generously; the final check decides) until every master's
  // journal holds as many alarm ids as the agents raised.
  void wait_for_alarms() {
    std::size_t expected = 0;
    for (auto& a : agents_) expected += a->alarm_markers.size();
    wait_until([&] {
      for (std::size_t m = 0; m < masters_.size(); ++m) {
        std::map<std::string, int> ids, markers;
        journal(ids, markers, m);
        if (ids.size() < expected) return false;
      }
      return true;
    });
  }

  // Every line written is stored exactly once across all data_dirs, every
  // stored file holds only whole marked lines, every alarm is journaled
  // exactly once in every master's journal.
  void check_final() {
    auto stored = stored_everywhere();
    int missing = 0, duplicated = 0, total = 0;
    for (auto& a : agents_) {
      for (int i = 0; i < a->lines; ++i, ++total) {
        auto it = stored.find(marker(a->node, i));
        missing += it == stored.end();
        duplicated += it != stored.end() && it->second != 1;
      }
    }
    BOOST_TEST(missing == 0, "lines missing: " << missing << " of " << total);
    BOOST_TEST(duplicated == 0, "lines stored more than once: " << duplicated);
    // Name the files holding the first duplicated line, to find the cause.
    for (const auto& [m, n] : stored) {
      if (n == 1) continue;
      for (const auto& d : data_dirs()) {
        for (const auto& f : stored_files(d)) {
          if (read_all(f).find(m) != std::string::npos) BOOST_TEST_MESSAGE(m << " in " << f);
        }
      }
      break;
    }
    BOOST_TEST(stored.size() == static_cast<std::size_t>(total));
    for (const auto& d : data_dirs()) {
      for (const auto& f : stored_files(d)) {
        auto text = read_all(f);
        BOOST_TEST((text.empty() || text.back() == '\n'), "torn file " << f);
        std::map<std::string, int> m;
        collect_markers(text, m);
        // A file's lines must all come from the node its directory names.
        for (const auto& [k, n] : m) {
          BOOST_TEST(k.starts_with("fm:" + f.parent_path().filename().string() + ":"),
                     f << " " << k);
        }
      }
    }
    for (std::size_t j = 0; j < masters_.size(); ++j) {
      const auto& who = masters_[j]->id;
      std::map<std::string, int> ids, journaled;
      journal(ids, journaled, j);
      std::size_t expected = 0;
      for (auto& a : agents_) {
        expected += a->alarm_markers.size();
        for (const auto& m : a->alarm_markers) {
          BOOST_TEST(journaled[m] == 1,
                     who << ": alarm for " << m << " journaled " << journaled[m] << "x");
        }
      }
      for (const auto& [id, n] : ids) BOOST_TEST(n == 1, who << ": alarm id " << id << " " << n << "x");
      BOOST_TEST(ids.size() == expected, who << ": " << ids.size() << " alarm ids of " << expected);
    }
  }

  // Kill-point invariant: every marker written is stored or still spooled.
  // The spool is read before storage: the agent deletes a file only after
  // the master stored it, so a file moving between the two reads is seen.
  int unaccounted() {
    int lost = 0;
    for (auto& a : agents_) {
      auto spooled = a->spooled();
      auto stored = stored_everywhere();
      for (int i = 0; i < a->lines; ++i) {
        auto m = marker(a->node, i);
        lost += !spooled.contains(m) && !stored.contains(m);
      }
    }
    return lost;
  }

 private:
  temp_dir dir_;
  broker broker_;
  std::string agent_extra_;
  std::vector<std::unique_ptr<fault_master>> masters_;
  std::vector<std::unique_ptr<fault_agent>> agents_;
};

}  // namespace peranda::test::fault
