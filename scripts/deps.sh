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
  # The aedes cluster test (label `cluster`, tests/cluster/): members share
  # one redis-server. aedes 1.2, mqemitter-redis 7.2 and
  # aedes-persistence-redis 11.2 need Node >= 20 (their `engines`);
  # bookworm's own nodejs is 18.20, so on Debian 12 install Node 20 first
  # (NodeSource's nodejs package, which brings npm; Debian's npm package
  # would pull its nodejs 18 back).
  nodejs redis-server
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
