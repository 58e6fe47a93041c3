#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages peranda needs to build, test and demo.
# Sourced by test.sh and demo.sh; safe to run again (installs only what is missing).
set -euo pipefail

PERANDA_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libpaho-mqttpp-dev libpaho-mqtt-dev libssl-dev nlohmann-json3-dev
  libboost-test-dev libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev
  libre2-dev libsystemd-dev libcpp-httplib-dev
  # zstd: spool files compressed as they are written; the CLI reads stored logs.
  libzstd-dev zstd
  mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev python3 python3-jsonschema openssl procps iptables systemd
  systemd-journal-remote
  clang-16 libclang-rt-16-dev
  # Called by the tests, not the build: CPack's DEB generator runs `file` to
  # find the binaries it strips and passes to dpkg-shlibdeps; `ip netns`
  # (network fault test) is iproute2; gdb prints the threads of a child a
  # test gave up waiting for.
  file iproute2 gdb
  # The status page's browser test (label `browser`): headless Chromium
  # driven through Selenium.
  chromium chromium-driver python3-selenium
  # The aedes cluster test (label `cluster`): Redis shared by the members;
  # Node.js and npm for aedes (npm ci from tests/cluster by test.sh).
  redis-server
)

peranda_install_deps() {
  local missing=()
  for p in "${PERANDA_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "peranda: missing packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "peranda: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The cluster test's aedes 1.2 wants Node.js >= 20 (its `engines`). Machines
# of this project's kind have it (NodeSource's nodejs 20, with npm); where
# there is no node at all, Debian's nodejs and npm (18 on bookworm) are
# installed, and `npm ci` says if they are too old.
peranda_install_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "peranda: Node.js >= 20 and npm are needed by the cluster test" >&2
    exit 1
  fi
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}

# npm packages of the cluster test, from its lockfile, into <build>/cluster.
peranda_install_cluster_packages() {  # root, build dir
  local dest=$2/cluster
  mkdir -p "$dest"
  cp "$1/tests/cluster/package.json" "$1/tests/cluster/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
