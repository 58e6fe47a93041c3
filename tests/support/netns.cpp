// SPDX-License-Identifier: Apache-2.0
#include "tests/support/netns.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tests/support/child_process.hpp"

namespace peranda::test {

int run_ip(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> argv{"/bin/ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, log);
  return p.wait_exit(std::chrono::seconds(30));
}

bool netns_link::available(const std::filesystem::path& log) {
  if (::geteuid() != 0) return false;
  auto probe = "pfprobe" + std::to_string(::getpid());
  if (run_ip({"netns", "add", probe}, log) != 0) return false;
  return run_ip({"netns", "del", probe}, log) == 0;
}

std::string netns_link::address(int host) const {
  auto block = (::getpid() % 1024) * 16 + index_;  // /30 blocks: 16,384 in the /16
  return fmt::format("10.200.{}.{}", block / 64, block % 64 * 4 + host);
}

netns_link::netns_link(int index, std::filesystem::path log)
    : index_(index),
      log_(std::move(log)),
      name_("pf" + std::to_string(::getpid()) + "n" + std::to_string(index)),
      host_veth_("pf" + std::to_string(::getpid() % 100000) + "h" + std::to_string(index)) {
  if (index < 1 || index > 15) throw std::invalid_argument("netns_link index must be 1 to 15");
  auto ns_veth = "pf" + std::to_string(::getpid() % 100000) + "c" + std::to_string(index);
  auto ok = [&](const std::vector<std::string>& args) {
    if (run_ip(args, log_) != 0) {
      std::ifstream in(log_);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      throw std::runtime_error("ip command failed: ip " + fmt::format("{}", fmt::join(args, " ")) +
                               "\n" + text.substr(text.size() > 2000 ? text.size() - 2000 : 0));
    }
  };
  ok({"netns", "add", name_});
  made_ = true;
  try {
    ok({"link", "add", host_veth_, "type", "veth", "peer", "name", ns_veth});
    ok({"link", "set", ns_veth, "netns", name_});
    ok({"addr", "add", host_ip() + "/30", "dev", host_veth_});
    ok({"link", "set", host_veth_, "up"});
    ok({"-n", name_, "addr", "add", ns_ip() + "/30", "dev", ns_veth});
    ok({"-n", name_, "link", "set", ns_veth, "up"});
    ok({"-n", name_, "link", "set", "lo", "up"});
  } catch (...) {
    // The destructor does not run for a half-built object: undo here.
    run_ip({"netns", "del", name_}, log_);
    run_ip({"link", "del", host_veth_}, log_);
    throw;
  }
}

netns_link::~netns_link() {
  if (!made_) return;
  // Deleting the namespace destroys its veth end, and with it the pair.
  run_ip({"netns", "del", name_}, log_);
  // Usually gone with the namespace already; an error here is harmless.
  run_ip({"link", "del", host_veth_}, log_);
}

void netns_link::cut() { run_ip({"link", "set", host_veth_, "down"}, log_); }
void netns_link::restore() { run_ip({"link", "set", host_veth_, "up"}, log_); }

int netns_link::run_inside(const std::vector<std::string>& argv) {
  auto full = exec_prefix();
  full.insert(full.end(), argv.begin(), argv.end());
  child_process p(full, log_);
  return p.wait_exit(std::chrono::seconds(30));
}

}  // namespace peranda::test
