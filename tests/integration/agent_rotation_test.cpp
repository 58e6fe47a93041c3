// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE agent_rotation_test
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "tests/integration/agent_fixture.hpp"
#include "tests/support/spool_contents.hpp"

using namespace peranda;
using namespace peranda::test;

namespace {

// A writer like a daemon's: one O_APPEND descriptor, reopened on demand.
class log_writer {
 public:
  explicit log_writer(std::filesystem::path path) : path_(std::move(path)) { reopen(); }
  ~log_writer() { ::close(fd_); }
  void reopen() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    BOOST_REQUIRE(fd_ >= 0);
  }
  void line(int n) {
    auto text = fmt::format("line {:05} {}\n", n, std::string(40, 'p'));
    BOOST_REQUIRE(::write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// The numbers of every `line NNNNN` record of source `app` in the spool,
// read the way an upload would see them: a closed file's zstd frame may
// hold the record's text as literal bytes, so raw bytes are never scanned.
std::multiset<int> spooled_lines(const std::filesystem::path& spool_files) {
  std::multiset<int> out;
  for (const auto& record : spool_records(spool_files)) {
    auto at = record.find(" app line ");
    if (at != std::string::npos) out.insert(std::stoi(record.substr(at + 10, 5)));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rename_rotation_and_copytruncate_spool_every_line_once) {
  temp_dir logs;
  auto path = logs / "app.log";
  log_writer writer(path);
  writer.line(0);
  agent_rig rig("[[source]]\ntype = \"file\"\nname = \"app\"\npath = \"" + path.string() +
                "\"\nfrom_beginning = true\n");
  rig.start_agent("following");

  constexpr int k_lines = 3000;
  for (int n = 1; n < k_lines; ++n) {
    if (n == 1000) {
      // logrotate `create`: rename, the daemon writes on into the old file
      // until it reopens the path.
      std::filesystem::rename(path, logs / "app.log.1");
      writer.line(n++);
      writer.line(n++);
      writer.reopen();
    }
    if (n == 2000) {
      // logrotate `copytruncate`: shift, copy, truncate; the daemon keeps
      // writing through the same descriptor. The agent may lag behind by
      // hundreds of lines, but must have seen the file's first line: a copy
      // is recognised by its first bytes (docs/agent.md, "Limits").
      BOOST_REQUIRE(wait_until([&] { return spooled_lines(rig.spool_files()).contains(1002); }));
      std::filesystem::rename(logs / "app.log.1", logs / "app.log.2");
      std::filesystem::copy_file(path, logs / "app.log.1");
      std::filesystem::resize_file(path, 0);
    }
    writer.line(n);
  }
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return spooled_lines(rig.spool_files()).size() >= k_lines; }),
      "spooled " << spooled_lines(rig.spool_files()).size() << " of " << k_lines << "\n"
                 << rig.log());
  auto lines = spooled_lines(rig.spool_files());
  std::vector<int> repeated, lost;
  for (int n = 0; n < k_lines; ++n) {
    auto c = lines.count(n);
    if (c == 0) lost.push_back(n);
    if (c > 1) repeated.push_back(n);
  }
  BOOST_TEST(lost.empty(),
             "lost " << lost.size() << " line(s), first " << (lost.empty() ? -1 : lost[0]));
  BOOST_TEST(repeated.empty(), "repeated " << repeated.size() << " line(s)");
  BOOST_TEST(lines.size() == static_cast<std::size_t>(k_lines));
}
