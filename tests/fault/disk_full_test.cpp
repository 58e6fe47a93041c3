// SPDX-License-Identifier: Apache-2.0
// The master's data_dir on a small tmpfs that is full: transfers are
// rejected (`storage_error`), agents keep their spool files, the master
// keeps running; once space is freed storage resumes and every line and
// alarm arrives exactly once.
//
// The tmpfs is mounted in a private mount namespace of this test process
// (inherited by the master it starts), so nothing shows outside it.
#define BOOST_TEST_MODULE disk_full
#include <boost/test/unit_test.hpp>

#include <sched.h>
#include <sys/mount.h>

#include "tests/fault/fault_rig.hpp"

using namespace peranda::test;
using namespace peranda::test::fault;

namespace {

// A small tmpfs over `dir`, lazily unmounted on destruction.
class small_tmpfs {
 public:
  explicit small_tmpfs(std::filesystem::path dir) : dir_(std::move(dir)) {
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=256k") == 0;
  }
  ~small_tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

  // Fills it until the kernel says no space is left.
  void fill() {
    std::ofstream out(dir_ / "filler", std::ios::binary);
    std::string block(4096, 'f');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size())) && out.flush()) {
    }
  }
  void free_space() { std::filesystem::remove(dir_ / "filler"); }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
};

bool private_mount_namespace() {
  return ::unshare(CLONE_NEWNS) == 0 &&
         ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}

std::size_t closed_spool_files(const fault_agent& a) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(a.spool(), ec)) {
    n += e.path().filename().string().starts_with("spool-");
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_data_dir_rejects_then_resumes) {
  if (!private_mount_namespace()) {
    BOOST_TEST_MESSAGE("skipped: cannot make a private mount namespace (needs root)");
    return;
  }
  for (auto seed : seeds()) {
    BOOST_TEST_MESSAGE("seed " << seed << " (rerun: PERANDA_FAULT_SEED=" << seed << ")");
    std::mt19937 rng(seed);
    fault_rig rig(2, "chunk_size = \"1KiB\"\nwindow = 4\ntransfer_idle_timeout = \"3s\"",
                  "spool_rotate_bytes = \"6KiB\"");
    small_tmpfs fs(rig.data_dir());
    if (!fs.mounted()) {
      BOOST_TEST_MESSAGE("skipped: cannot mount a tmpfs (needs root)");
      return;
    }
    fs.fill();
    rig.start_master();
    for (auto& a : rig.agents()) rig.start_agent(*a);
    for (auto& a : rig.agents()) {
      BOOST_REQUIRE_MESSAGE(wait_until([&] { return rig.node_state(a->node) == "online"; }),
                            a->node << " not online: " << a->process->log());
    }
    for (auto& a : rig.agents()) a->write_lines(300, rng);
    for (auto& a : rig.agents()) {
      BOOST_REQUIRE_MESSAGE(wait_until([&] { return a->caught_up(); }), a->process->log());
    }
    const std::string rejected = "peranda_transfers_rejected_total{reason=\"storage_error\"}";
    BOOST_TEST_REQUIRE(wait_until([&] {
                         for (auto& a : rig.agents()) {
                           auto id = rig.pull(a->node);
                           wait_until([&] { return rig.pull_finished(id); }, std::chrono::seconds(20));
                         }
                         return rig.metric(rejected) >= 2;
                       }),
                       rig.master_log());
    // Nothing stored, nothing lost, the master still answers.
    BOOST_TEST(stored_files(rig.data_dir()).size() == 1u);  // the filler
    BOOST_TEST(rig.unaccounted() == 0);
    for (auto& a : rig.agents()) BOOST_TEST(closed_spool_files(*a) >= 1u, a->node);
    BOOST_TEST(rig.metric("peranda_broker_connected") == 1);

    fs.free_space();
    rig.require_drained();
    rig.wait_for_alarms();
    rig.check_final();
    // Agents delete what was stored: nothing closed is left behind.
    for (auto& a : rig.agents()) {
      BOOST_TEST(wait_until([&] { return closed_spool_files(*a) == 0; }), a->node);
    }
  }
}
