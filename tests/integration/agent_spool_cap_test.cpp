// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE agent_spool_cap_test
#include <boost/test/unit_test.hpp>

#include "tests/integration/agent_fixture.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

std::vector<std::string> closed_files(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (name.starts_with("spool-")) out.push_back(name);
  }
  std::ranges::sort(out);
  return out;
}

}  // namespace

// An exec source floods the spool (2 KiB per run, every 100 ms) past a
// 16 KiB cap: the oldest closed files go, the heartbeat counts them and the
// log says so; the newest data stays.
BOOST_AUTO_TEST_CASE(the_cap_drops_the_oldest_closed_files_and_says_so) {
  agent_rig rig(
      "[[source]]\ntype = \"exec\"\nname = \"flood\"\nshell = true\ninterval = \"100ms\"\n"
      "command = ['i=0; while [ $i -lt 32 ]; do echo \"flood $(date +%s%N) "
      "flood-filler-flood-filler-flood-filler\"; i=$((i+1)); done']\n",
      "spool_rotate_bytes = \"4KiB\"\nspool_max_bytes = \"16KiB\"\n");
  recorder beats(rig.b.url(), "beats", {protocol::topic_scheme().heartbeat(k_node)});
  rig.start_agent("starting;");

  std::vector<std::string> seen;  // every closed file name observed, in order
  BOOST_REQUIRE(wait_until([&] {
    for (auto& n : closed_files(rig.spool_files())) {
      if (std::ranges::find(seen, n) == seen.end()) seen.push_back(n);
    }
    auto hb = beats.last_heartbeat();
    return hb && hb->counters["spool_dropped_files"] >= 3;
  }));
  BOOST_TEST(rig.count_in_log("spool over its cap") >= 3u);
  // What is left is the newest, and within the cap.
  auto left = closed_files(rig.spool_files());
  BOOST_REQUIRE(!left.empty());
  BOOST_TEST(left.front() > seen.front());
  std::uintmax_t total = 0;
  for (auto& n : left) total += std::filesystem::file_size(rig.spool_files() / n);
  BOOST_TEST(total <= 16u * 1024);
  auto hb = beats.last_heartbeat();
  BOOST_TEST(hb->backlog_files >= 1u);
  BOOST_TEST(hb->backlog_bytes <= 16u * 1024);
}
