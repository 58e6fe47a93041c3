// SPDX-License-Identifier: Apache-2.0
// The status page in a real browser: a real broker, master (with a bearer
// token) and two agents; status_page.py drives headless Chromium through
// the page and kills one agent with SIGKILL while the page is open.
#define BOOST_TEST_MODULE status_page
#include <boost/test/unit_test.hpp>

#include "tests/integration/master_fixture.hpp"
#include "tests/support/programs.hpp"

using namespace peranda::test;

BOOST_AUTO_TEST_CASE(status_page_shows_the_fleet_alarms_logs_and_a_lost_node) {
  const std::string token = "browser-test-token-0123456789";
  master_fixture master("", "1h", token);
  auto log_a = master.dir() / "a.log";
  auto log_b = master.dir() / "b.log";
  auto sources = [](const std::filesystem::path& file) {
    return "[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + file.string() +
           "\"\nfrom_beginning = true\n"
           "[[rule]]\nname = \"fatal\"\npattern = 'FATAL'\nseverity = \"critical\"\n";
  };
  std::ofstream(log_a).close();
  std::ofstream(log_b).close();
  auto a = start_agent({master.mqtt().url(), master.dir() / "agent-a"}, "web-a", sources(log_a));
  auto b = start_agent({master.mqtt().url(), master.dir() / "agent-b"}, "web-b", sources(log_b));
  std::ofstream(log_b, std::ios::app) << "web-b started\n";

  auto screenshot = std::filesystem::path(PERANDA_BIN_DIR).parent_path() / "status-page.png";
  child_process driver({PERANDA_PYTHON3, std::string(PERANDA_SOURCE_DIR) + "/tests/browser/status_page.py",
                        "--url", master.api_url(), "--token", token, "--master-id", master_fixture::k_id,
                        "--nodes", "web-a,web-b",
                        "--log-node", "web-a", "--log-file", log_a.string(), "--kill-node",
                        "web-b", "--kill-pid", std::to_string(b->pid()), "--screenshot",
                        screenshot.string()},
                       master.dir() / "browser.log");
  auto status = driver.wait_exit(std::chrono::minutes(8));
  BOOST_TEST(status == 0, "status_page.py: " << driver.log() << "\nmaster:\n"
                                               << master.log().substr(0, 4000));
  BOOST_TEST(std::filesystem::exists(screenshot));
  BOOST_TEST(!b->running());
}
