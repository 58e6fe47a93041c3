// SPDX-License-Identifier: Apache-2.0
// `cpack -G DEB` on the existing build tree: package contents (dpkg -c),
// control files (dpkg -I, maintainer scripts), and an unpack into an empty
// dpkg root (dpkg --root --unpack) where both packages install side by side
// and the packaged programs run; then, where the test may mount (root, a
// mount namespace, overlayfs), a real `dpkg -i`, upgrade and purge in a
// chroot whose root is an overlay of this host's /: maintainer scripts run
// for real, and every change lands in the overlay, never on the host.
#define BOOST_TEST_MODULE ops_packaging
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "tests/support/ops_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace peranda::test {
namespace {

const std::string k_version = PERANDA_VERSION;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Builds the packages once for every test case of the suite.
struct packages {
  temp_dir dir;
  std::filesystem::path agent, master;
  bool available = true;

  packages() {
    for (const char* tool : {"/usr/bin/cpack", "/usr/bin/dpkg-deb", "/usr/bin/dpkg"}) {
      if (!std::filesystem::exists(tool)) {
        BOOST_TEST_MESSAGE(std::string(tool) + " not installed: packaging checks skipped");
        available = false;
        return;
      }
    }
    auto build_dir = std::filesystem::path(program("peranda-agent")).parent_path().parent_path();
    auto built = run({"/usr/bin/cpack", "-G", "DEB", "--config",
                      (build_dir / "CPackConfig.cmake").string(), "-B", (dir / "out").string()},
                     dir / "cpack.log");
    BOOST_REQUIRE_MESSAGE(built.status == 0, built.output);
    agent = dir / "out" / ("peranda-agent_" + k_version + "_amd64.deb");
    master = dir / "out" / ("peranda-master_" + k_version + "_amd64.deb");
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists(agent) && std::filesystem::exists(master),
                          built.output);
  }

  std::string dpkg_deb(const std::string& option, const std::filesystem::path& deb) {
    auto r = run({"/usr/bin/dpkg-deb", option, deb.string()}, dir / "dpkg-deb.log");
    BOOST_REQUIRE_MESSAGE(r.status == 0, r.output);
    return r.output;
  }
};

packages& built() {
  static packages p;
  return p;
}

// Does a line of the shell script start with `command` (not just mention it
// in an echo)?
bool runs(const std::string& script, const std::string& command) {
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);) {
    auto start = line.find_first_not_of(" \t");
    if (start != std::string::npos && line.compare(start, command.size(), command) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(packages_hold_programs_units_configs_and_scripts) {
  auto& p = built();
  if (!p.available) return;
  auto agent = p.dpkg_deb("--contents", p.agent);
  for (const char* path :
       {"./usr/bin/peranda-agent", "./etc/peranda/agent.toml",
        "./lib/systemd/system/peranda-agent.service",
        "./lib/systemd/system/peranda-agent-forking.service",
        "./usr/lib/peranda/agent/peranda-start", "./usr/lib/peranda/agent/peranda-stop",
        "./usr/lib/sysusers.d/peranda-agent.conf", "./usr/lib/tmpfiles.d/peranda-agent.conf",
        "./usr/share/doc/peranda-agent/operations.md"}) {
    BOOST_CHECK_MESSAGE(contains(agent, path), path << " missing from:\n" << agent);
  }
  BOOST_CHECK(!contains(agent, "peranda-master"));
  if (std::filesystem::exists(source_path("deploy/collectors"))) {
    BOOST_CHECK_MESSAGE(contains(agent, "./usr/lib/peranda/collectors/"), agent);
  }

  auto master = p.dpkg_deb("--contents", p.master);
  for (const char* path :
       {"./usr/bin/peranda-master", "./usr/bin/peranda-ctl", "./etc/peranda/master.toml",
        "./lib/systemd/system/peranda-master.service",
        "./lib/systemd/system/peranda-master-forking.service",
        "./usr/lib/sysusers.d/peranda-master.conf", "./usr/lib/tmpfiles.d/peranda-master.conf",
        "./usr/share/peranda/broker-config/production.conf",
        "./usr/share/peranda/broker-config/acl", "./usr/share/peranda/scripts/provision-node.sh"}) {
    BOOST_CHECK_MESSAGE(contains(master, path), path << " missing from:\n" << master);
  }
  // The broker plugin, where production.conf loads it from.
  auto conf = read_text(source_path("broker-config/production.conf"));
  auto at = conf.find("\nplugin ");
  BOOST_REQUIRE(at != std::string::npos);
  auto plugin = conf.substr(at + 8, conf.find('\n', at + 1) - at - 8);
  BOOST_CHECK_EQUAL(plugin, "/usr/lib/peranda/peranda_broker_plugin.so");
  BOOST_CHECK_MESSAGE(contains(master, "." + plugin), plugin << " missing from:\n" << master);
  BOOST_CHECK(!contains(master, "./usr/bin/peranda-agent"));
}

BOOST_AUTO_TEST_CASE(control_files_declare_dependencies_conffiles_and_scripts) {
  auto& p = built();
  if (!p.available) return;
  for (const auto& [deb, name] :
       {std::pair{p.agent, std::string("agent")}, std::pair{p.master, std::string("master")}}) {
    BOOST_TEST_CONTEXT(name) {
      auto info = p.dpkg_deb("--info", deb);
      BOOST_CHECK(contains(info, "Package: peranda-" + name));
      BOOST_CHECK(contains(info, "Version: " + k_version));
      // dpkg-shlibdeps found the runtime libraries.
      for (const char* lib : {"libpaho-mqttpp3-1", "libpaho-mqtt1.3", "libsystemd0", "libfmt9"}) {
        BOOST_CHECK_MESSAGE(contains(info, lib), lib << " not in Depends:\n" << info);
      }
      auto control = p.dir / ("control-" + name);
      auto extracted = run({"/usr/bin/dpkg-deb", "--control", deb.string(), control.string()},
                           p.dir / "extract.log");
      BOOST_REQUIRE_MESSAGE(extracted.status == 0, extracted.output);
      BOOST_CHECK_EQUAL(read_text(control / "conffiles"), "/etc/peranda/" + name + ".toml\n");
      for (const char* script : {"postinst", "prerm", "postrm"}) {
        auto path = control / script;
        struct stat st {};
        BOOST_REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, script);
        BOOST_CHECK_MESSAGE(st.st_mode & S_IXUSR, script << " not executable");
        auto syntax = run({"/bin/sh", "-n", path.string()}, p.dir / "sh-n.log");
        BOOST_CHECK_MESSAGE(syntax.status == 0, script << ": " << syntax.output);
        // Nothing is enabled or started by the package: the admin first
        // sets the broker address.
        auto text = read_text(path);
        BOOST_CHECK(!runs(text, "systemctl enable"));
        BOOST_CHECK(!runs(text, "systemctl start"));
        BOOST_CHECK(!runs(text, "deb-systemd-invoke"));
        BOOST_CHECK(!contains(text, "@component@"));
      }
      auto postinst = read_text(control / "postinst");
      BOOST_CHECK(contains(postinst, "systemd-sysusers peranda-" + name + ".conf"));
      BOOST_CHECK(contains(postinst, "useradd --system"));
      BOOST_CHECK(contains(postinst, "try-restart peranda-" + name + ".service"));
      BOOST_CHECK(contains(postinst, "systemctl enable --now peranda-" + name));  // the hint
    }
  }
}

BOOST_AUTO_TEST_CASE(both_packages_unpack_into_an_empty_dpkg_root_and_run) {
  auto& p = built();
  if (!p.available) return;
  auto root = p.dir / "root";
  std::filesystem::create_directories(root / "var/lib/dpkg/info");
  std::filesystem::create_directories(root / "var/lib/dpkg/updates");
  write_text(root / "var/lib/dpkg/status", "");
  write_text(root / "var/lib/dpkg/available", "");
  // --unpack runs no maintainer script (we ship no preinst), so nothing
  // touches this host; dependencies are not installed in the empty root.
  auto unpacked = run({"/usr/bin/dpkg", "--root=" + root.string(), "--force-depends",
                       "--log=/dev/null", "--unpack", p.agent.string(), p.master.string()},
                      p.dir / "dpkg.log");
  BOOST_REQUIRE_MESSAGE(unpacked.status == 0, unpacked.output);
  for (const char* name : {"peranda-agent", "peranda-master"}) {
    auto status =
        run({"/usr/bin/dpkg", "--root=" + root.string(), "--status", name}, p.dir / "status.log");
    BOOST_CHECK_MESSAGE(contains(status.output, "Status: install ok unpacked"), status.output);
    BOOST_CHECK_MESSAGE(contains(status.output, "Conffiles:"), status.output);
  }
  // The stripped, packaged programs run with this host's libraries. (Their
  // default configs name absolute paths, e.g. collectors, that exist only
  // once installed: the chroot test below checks those.)
  for (const char* name : {"peranda-agent", "peranda-master", "peranda-ctl"}) {
    auto ran = run({(root / "usr/bin" / name).string(), "--help"}, p.dir / "help.log");
    BOOST_CHECK_MESSAGE(ran.status == 0, ran.output);
    BOOST_CHECK_MESSAGE(contains(ran.output, name), ran.output);
  }
  BOOST_CHECK(std::filesystem::exists(root / "etc/peranda/agent.toml.dpkg-new"));
  BOOST_CHECK(std::filesystem::exists(root / "etc/peranda/master.toml.dpkg-new"));
}

}  // namespace peranda::test

namespace peranda::test {

// The script runs inside `unshare --mount`: the overlay mount, the chroot
// and everything dpkg does there vanish with the namespace and the temp dir.
BOOST_AUTO_TEST_CASE(dpkg_install_upgrade_and_purge_in_an_overlay_chroot) {
  auto& p = built();
  if (!p.available) return;
  if (::geteuid() != 0 || !std::filesystem::exists("/usr/bin/unshare")) {
    BOOST_TEST_MESSAGE("not root or no unshare: the chroot install is skipped");
    return;
  }
  if (run({"/usr/bin/unshare", "--mount", "--fork", "/bin/true"}, p.dir / "unshare.log").status !=
      0) {
    BOOST_TEST_MESSAGE("no mount namespaces here: the chroot install is skipped");
    return;
  }
  auto dir = p.dir / "overlay";
  for (const char* sub : {"upper", "work", "merged"})
    std::filesystem::create_directories(dir / sub);
  std::string m = (dir / "merged").string();
  std::string script =
      "set -e\n"
      "mount -t overlay overlay -o lowerdir=/,upperdir=" +
      (dir / "upper").string() + ",workdir=" + (dir / "work").string() + " " + m +
      " || exit 77\n"
      "mkdir -p " +
      m +
      "/tmp/pkg\n"
      "cp " +
      p.agent.string() + " " + p.master.string() + " " + m +
      "/tmp/pkg/\n"
      "chroot " +
      m +
      " sh -c '"
      "set -e; "
      "dpkg -i /tmp/pkg/peranda-agent_*.deb /tmp/pkg/peranda-master_*.deb; "
      "echo USER $(getent passwd peranda | cut -d: -f1,6,7); "
      "stat -c \"STAT %U:%G %a %n\" /etc/peranda /etc/peranda/agent.toml /var/lib/peranda "
      "/var/lib/peranda/spool /var/lib/peranda/data; "
      "dpkg -s peranda-agent peranda-master | grep Status; "
      "peranda-agent --check-config; peranda-master --check-config; "
      "dpkg -i /tmp/pkg/peranda-agent_*.deb; "
      "dpkg --purge peranda-agent peranda-master; "
      "test ! -e /usr/bin/peranda-agent && test ! -e /etc/peranda/agent.toml && "
      "test -d /var/lib/peranda && echo PURGED-KEEPS-DATA'\n";
  auto r =
      run({"/usr/bin/unshare", "--mount", "--fork", "/bin/sh", "-c", script}, p.dir / "chroot.log");
  if (r.status == 77) {
    BOOST_TEST_MESSAGE("overlayfs cannot be mounted here: the chroot install is skipped\n" +
                       r.output);
    return;
  }
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.output);
  BOOST_CHECK_MESSAGE(contains(r.output, "USER peranda:/var/lib/peranda:/usr/sbin/nologin"),
                      r.output);
  BOOST_CHECK(contains(r.output, "STAT root:peranda 750 /etc/peranda\n"));
  BOOST_CHECK(contains(r.output, "STAT root:peranda 640 /etc/peranda/agent.toml\n"));
  BOOST_CHECK(contains(r.output, "STAT peranda:peranda 750 /var/lib/peranda/spool\n"));
  BOOST_CHECK(contains(r.output, "STAT peranda:peranda 750 /var/lib/peranda/data\n"));
  BOOST_CHECK(contains(r.output, "Status: install ok installed"));
  BOOST_CHECK(contains(r.output, "is installed but not started"));
  BOOST_CHECK(contains(r.output, "PURGED-KEEPS-DATA"));
}

}  // namespace peranda::test
