// SPDX-License-Identifier: Apache-2.0
// The agent's durable record of completed files and its answers to a
// master's `confirm`.
#include "node-agent/upload/completion_log.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/support/temp_dir.hpp"

using namespace peranda;
using namespace peranda::agent;
using protocol::confirmation_state;

namespace {

completion done(const std::string& name, const std::string& master = "m1") {
  return {name + ".zst", name + ".zst", std::string(64, 'c'), master, std::string(32, 'd'), 7};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_completion_log)

BOOST_AUTO_TEST_CASE(answers_completed_pending_and_unknown) {
  test::temp_dir dir;
  auto log = completion_log::open(dir / "state" / "completed.jsonl").value();
  log.record(done("a")).value();
  auto answers = log.answer({{"a.zst", std::string(64, 'c')},
                             {"a.zst", std::string(64, 'e')},
                             {"b.log", std::string(64, 'c')},
                             {"x.log", std::string(64, 'c')}},
                            {"b.log"});
  BOOST_TEST_REQUIRE(answers.size() == 4u);
  BOOST_TEST((answers[0].state == confirmation_state::completed));
  BOOST_TEST(answers[0].master == "m1");
  BOOST_TEST(answers[0].store == std::string(32, 'd'));
  // Other bytes under the same name were not completed.
  BOOST_TEST((answers[1].state == confirmation_state::unknown));
  BOOST_TEST((answers[2].state == confirmation_state::pending));
  BOOST_TEST((answers[3].state == confirmation_state::unknown));
}

BOOST_AUTO_TEST_CASE(records_survive_a_restart_and_a_torn_end) {
  test::temp_dir dir;
  auto path = dir / "completed.jsonl";
  {
    auto log = completion_log::open(path).value();
    log.record(done("a")).value();
    log.record(done("b", "m2")).value();
  }
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"spool_name":"c.zst","fi)";  // killed mid-append
  }
  auto log = completion_log::open(path).value();
  BOOST_TEST(log.size() == 2u);
  BOOST_TEST(log.completed_spool_names().contains("b.zst"));
  BOOST_TEST(!log.completed_spool_names().contains("c.zst"));
  log.record(done("d")).value();
  auto again = completion_log::open(path).value();
  BOOST_TEST(again.size() == 3u);
  BOOST_TEST(again.invalid() == 0u);
}

BOOST_AUTO_TEST_CASE(keeps_the_newest_and_compacts_its_file) {
  test::temp_dir dir;
  auto path = dir / "completed.jsonl";
  auto log = completion_log::open(path, 3).value();
  for (int i = 0; i < 10; ++i) log.record(done("f" + std::to_string(i))).value();
  BOOST_TEST(log.size() == 3u);
  BOOST_TEST(!log.completed_spool_names().contains("f6.zst"));
  BOOST_TEST(log.completed_spool_names().contains("f9.zst"));
  auto again = completion_log::open(path, 3).value();
  BOOST_TEST(again.size() == 3u);
  BOOST_TEST(std::filesystem::file_size(path) < 6 * 200u);
}

BOOST_AUTO_TEST_CASE(bad_records_are_skipped_and_counted) {
  test::temp_dir dir;
  auto path = dir / "completed.jsonl";
  {
    std::ofstream out(path);
    out << "not json\n"
        << R"({"spool_name":"../x","file":"a","sha256":"c","master":"m","store":"","ts":1})" << "\n";
  }
  auto log = completion_log::open(path).value();
  BOOST_TEST(log.size() == 0u);
  BOOST_TEST(log.invalid() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
