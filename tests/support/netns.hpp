// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace peranda::test {

// Runs /bin/ip with `args`, output appended to `log`; returns its exit
// status (-1 if it did not finish in time).
int run_ip(const std::vector<std::string>& args, const std::filesystem::path& log);

// A network namespace made by the test, joined to the host's namespace by a
// veth pair it also made: a /30 of 10.200.0.0/16 (a private range, only on
// these veths), host side .1, namespace side .2. Names and the /30 carry
// the test's PID so parallel tests never collide (two test processes with
// one address would route each other's agents away); index 1 to 15. The destructor deletes the
// namespace (which deletes the veth pair too).
// Thread-safety: none; one owner. Requires root and `ip netns`.
class netns_link {
 public:
  netns_link(int index, std::filesystem::path log);
  ~netns_link();
  netns_link(const netns_link&) = delete;
  netns_link& operator=(const netns_link&) = delete;

  // Can this process make namespaces and veths? (root, ip netns working)
  static bool available(const std::filesystem::path& log);

  const std::string& name() const { return name_; }
  std::string host_ip() const { return address(1); }
  std::string ns_ip() const { return address(2); }
  // argv prefix that runs a program inside the namespace.
  std::vector<std::string> exec_prefix() const { return {"/bin/ip", "netns", "exec", name_}; }

  // Link down on the host side: packets stop in both directions, no RST.
  void cut();
  void restore();
  // Runs `argv` inside the namespace; returns its exit status.
  int run_inside(const std::vector<std::string>& argv);

 private:
  // Host `host` (1 or 2) of this link's /30: one of 16 per PID modulo 1024.
  std::string address(int host) const;

  int index_;
  std::filesystem::path log_;
  std::string name_;
  std::string host_veth_;
  bool made_ = false;
};

}  // namespace peranda::test
