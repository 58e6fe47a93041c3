#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds, then runs a whole peranda fleet on this
# machine: a loopback mosquitto (broker-config/dev.conf on a free port), one
# master and three agents, each tailing a log file of its own. Prints the live
# node table and every alarm until Ctrl-C, which stops everything it started.
# Usage: scripts/demo.sh [--no-build] [--seconds N]   (N: stop by itself after N s)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_first=1
seconds=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build_first=0 ;;
    --seconds) seconds=$2; shift ;;
    *) echo "usage: $0 [--no-build] [--seconds N]" >&2; exit 2 ;;
  esac
  shift
done

if [ "$build_first" = 1 ]; then
  # shellcheck source=scripts/deps.sh
  source "$root/scripts/deps.sh"
  peranda_install_deps
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j "$(nproc)" --target peranda-agent peranda-master peranda-ctl
fi
bin=$root/build/bin
work=$(mktemp -d /tmp/peranda-demo-XXXXXX)
pids=()

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "demo: stopping ${#pids[@]} processes"
  # Newest first: agents say `offline` and the master finishes while the
  # broker (started first) is still there to carry it.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  echo "demo: files kept in $work (logs, spools, stored data)"
}
trap cleanup INT TERM EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
mqtt_port=$(free_port)
http_port=$(free_port)

# The dev broker config, moved to a free port and a private persistence folder.
sed -e "s/^listener 1883 127.0.0.1/listener $mqtt_port 127.0.0.1/" "$root/broker-config/dev.conf" \
  > "$work/mosquitto.conf"
printf 'persistence_location %s/\n' "$work" >> "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)

cat > "$work/master.toml" <<TOML
[broker]
url = "tcp://127.0.0.1:$mqtt_port"
[master]
id = "demo-master"
data_dir = "$work/data"
http_listen = "127.0.0.1:$http_port"
pull_interval = "30s"
TOML
"$bin/peranda-master" --config "$work/master.toml" > "$work/master.log" 2>&1 &
pids+=($!)

for node in demo-web demo-db demo-cache; do
  mkdir -p "$work/$node"
  touch "$work/$node/app.log"
  cat > "$work/$node/agent.toml" <<TOML
[broker]
url = "tcp://127.0.0.1:$mqtt_port"
[agent]
node_id = "$node"
ip = "127.0.0.1"
spool_dir = "$work/$node/spool"
heartbeat_interval = "2s"
TOML
  if [ -f "$root/scripts/demo-sources.toml" ]; then
    sed -e "s|@LOG@|$work/$node/app.log|g" -e "s|@ROOT@|$root|g" \
      "$root/scripts/demo-sources.toml" >> "$work/$node/agent.toml"
  fi
  "$bin/peranda-agent" --config "$work/$node/agent.toml" > "$work/$node/agent.log" 2>&1 &
  pids+=($!)
done

# Anyone can watch alarms with nothing but mosquitto_sub:
mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -q 1 -t 'peranda/v1/nodes/+/alarm' -v \
  | sed -u 's/^/ALARM /' &
pids+=($!)

echo "demo: broker 127.0.0.1:$mqtt_port, master API http://127.0.0.1:$http_port, files in $work"
echo "demo: watch alarms yourself: mosquitto_sub -p $mqtt_port -t 'peranda/v1/nodes/+/alarm' -v"
start=$(date +%s)
tick=0
while :; do
  # Feed each node's log; every fifth line matches the demo's alarm rule.
  for node in demo-web demo-db demo-cache; do
    if [ $((tick % 5)) -eq 4 ]; then
      echo "$(date -Is) $node ERROR disk /var almost full (used=9${tick: -1}%)" >> "$work/$node/app.log"
    else
      echo "$(date -Is) $node INFO request served in $((RANDOM % 90 + 10)) ms" >> "$work/$node/app.log"
    fi
  done
  echo "---- $(date +%T) nodes (peranda-ctl nodes)"
  "$bin/peranda-ctl" --master "http://127.0.0.1:$http_port" nodes || true
  tick=$((tick + 1))
  if [ "$seconds" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$seconds" ]; then break; fi
  sleep 2
done
