#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# peranda collector: what this machine is, e.g.
# `system host=web-01 kernel=6.1.0-13-amd64 arch=x86_64 cpus=4 uptime_s=86400 os="Debian GNU/Linux 12 (bookworm)"`.
set -u

os=unknown
if [ -r /etc/os-release ]; then
  os=$(. /etc/os-release && printf '%s' "${PRETTY_NAME:-$NAME}")
fi
cpus=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null || echo 0)
read -r up _ < /proc/uptime
echo "system host=$(uname -n) kernel=$(uname -r) arch=$(uname -m) cpus=$cpus uptime_s=${up%.*} os=\"$os\""
