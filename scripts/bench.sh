#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks of issue 6, each next to a baseline measured in the same run
# (the machine is shared and noisy, so only same-run ratios mean anything):
#   upload     goodput of 256 MiB of spool files, 1 and 10 agents -> master,
#              vs bench_mqtt_ceiling through the same broker, same chunk size
#   alarm      log line appended -> alarm in the master's journal
#   scale      master with 1,000 and 10,000 simulated nodes (bench_fleet_sim)
#   footprint  idle agent with the default collectors vs zabbix_agentd and
#              prometheus-node-exporter
# Usage: scripts/bench.sh [--quick] [--only PART[,PART...]]
#                         [--no-build] [--no-doc]
# Writes docs/benchmarks.md with the parts run (unless --no-doc). Only 127.0.0.1 is
# used; everything started here is stopped by PID on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-bench
QUICK=0 ONLY="" BUILD_IT=1 DOC=1
while (($#)); do
  case $1 in
    --quick) QUICK=1 ;;
    --only) ONLY=$2; shift ;;
    --no-build) BUILD_IT=0 ;;
    --no-doc) DOC=0 ;;
    *) echo "usage: $0 [--quick] [--only upload,alarm,scale,footprint] [--no-build] [--no-doc]" >&2; exit 2 ;;
  esac
  shift
done
want() { [[ -z $ONLY || ,$ONLY, == *,$1,* ]]; }

# What it builds with, what it drives the master with, and the footprint's
# baselines: installed when missing, like scripts/test.sh does.
source "$ROOT/scripts/deps.sh"
PERANDA_PACKAGES+=(curl jq)
want footprint && PERANDA_PACKAGES+=(zabbix-agent prometheus-node-exporter)
peranda_install_deps

if ((BUILD_IT)); then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPERANDA_BUILD_BENCH=ON \
    -DPERANDA_BUILD_TESTS=OFF >/dev/null
  ninja -C "$BUILD" >/dev/null
fi
AGENT=$BUILD/bin/peranda-agent
MASTER=$BUILD/bin/peranda-master
CEILING=$BUILD/bin/bench_mqtt_ceiling
SIM=$BUILD/bin/bench_fleet_sim
ALARM=$BUILD/bin/bench_alarm_latency
FLOOR=$BUILD/bin/bench_paho_floor

WORK=$(mktemp -d /tmp/peranda-bench.XXXXXX)
PIDS=()
cleanup() {
  # Reverse order of start: simulators/agents before master before brokers.
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do wait "${PIDS[i]}" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Stops one child and forgets it, so cleanup never signals a reused PID.
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local i
  for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$1" ]] && unset 'PIDS[i]'; done
  PIDS=("${PIDS[@]}")
}

# A free loopback port: below the kernel's ephemeral range (an outgoing
# connection can otherwise take it between this check and the bind), in no
# socket state, not handed out before.
USED_PORTS=" "
EPHEMERAL_LOW=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range)
free_port() {
  local p tries
  for ((tries = 0; tries < 200; tries++)); do
    p=$((EPHEMERAL_LOW > 12000 ? 10000 + RANDOM % (EPHEMERAL_LOW - 10000) : 20000 + RANDOM % 10000))
    [[ $USED_PORTS == *" $p "* ]] && continue
    ss -Htan "sport = :$p" | grep -q . && continue
    USED_PORTS+="$p "
    echo "$p"
    return
  done
  echo "no free port" >&2; exit 1
}
wait_port() {
  local i
  for ((i = 0; i < 300; i++)); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done
  echo "port $1 never opened" >&2
  find "$WORK" -name '*.log' -newer "$WORK" -exec tail -n 3 {} + >&2 2>/dev/null || true
  return 1
}
# Bounded wait: wait_for SECONDS COMMAND...
wait_for() {
  local end=$((SECONDS + $1)); shift
  while ((SECONDS < end)); do "$@" && return 0; sleep 0.2; done
  return 1
}

# start_broker DIR -> sets BROKER_PORT, BROKER_PID
start_broker() {
  local dir=$1
  mkdir -p "$dir"
  BROKER_PORT=$(free_port)
  {
    echo "listener $BROKER_PORT 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "set_tcp_nodelay true"
    echo "max_queued_messages 100000"
    echo "max_connections -1"
    echo "log_dest file $dir/mosquitto.log"
    [[ $(id -u) == 0 ]] && echo "user root"
  } >"$dir/mosquitto.conf"
  mosquitto -c "$dir/mosquitto.conf" &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  wait_port "$BROKER_PORT"
}

# start_master DIR BROKER_PORT EXTRA -> sets MASTER_HTTP, MASTER_PID
start_master() {
  local dir=$1
  mkdir -p "$dir"
  MASTER_HTTP=$(free_port)
  printf '[broker]\nurl = "tcp://127.0.0.1:%s"\n[master]\nid = "bench-master"\ndata_dir = "%s"\nhttp_listen = "127.0.0.1:%s"\n%s\n' \
    "$2" "$dir/data" "$MASTER_HTTP" "$3" >"$dir/master.toml"
  "$MASTER" --config "$dir/master.toml" --log-level warn >"$dir/master.log" 2>&1 &
  MASTER_PID=$!
  PIDS+=("$MASTER_PID")
  wait_port "$MASTER_HTTP"
}
api() { curl -sf --max-time 10 "http://127.0.0.1:$MASTER_HTTP$1"; }
online_nodes() { api /api/v1/nodes | jq '[.nodes[] | select(.state == "online")] | length'; }
pulls_finished() { [[ $(api /api/v1/pulls | jq '[.pulls[] | select(.finished)] | length') -ge $1 ]]; }
have_online() { [[ $(online_nodes 2>/dev/null || echo 0) -ge $1 ]]; }

# start_agent DIR NODE BROKER_PORT EXTRA -> sets AGENT_PID
start_agent() {
  local dir=$1
  mkdir -p "$dir"
  printf '[broker]\nurl = "tcp://127.0.0.1:%s"\n[agent]\nnode_id = "%s"\nip = "127.0.0.1"\nspool_dir = "%s"\nheartbeat_interval = "1s"\n%s\n' \
    "$3" "$2" "$dir/spool" "$4" >"$dir/agent.toml"
  "$AGENT" --config "$dir/agent.toml" --log-level warn >"$dir/agent.log" 2>&1 &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
}

# CPU ticks (utime+stime) of one process; of all processes of a session.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Own + reaped children's ticks, summed over the session's live processes.
session_ticks() {
  local p
  for p in $(ps -o pid= -s "$1" 2>/dev/null); do
    awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || true
  done | awk '{s += $1} END {print s + 0}'
}
session_rss_kib() { ps -o rss= -s "$1" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
# Proportional set size summed over a session: shared library pages are
# split between the processes that map them.
session_pss_kib() {
  local p
  for p in $(ps -o pid= -s "$1" 2>/dev/null); do
    awk '$1 == "Pss:" {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true
  done | awk '{s += $1} END {print s + 0}'
}
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

declare -a ROWS=()
row() { local s="|" x; for x in "$@"; do s+=" $x |"; done; ROWS+=("$s"); echo "  $s"; }

# ---------------------------------------------------------------- upload
# CPU ticks of the upload's processes: broker, master and agents.
upload_ticks() {
  local p t=0
  for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done
  echo "$t"
}
# One bench_mqtt_ceiling run -> "MiB/s CPU-s-per-GiB" (the ceiling's own
# CPU, reaped by a shell that prints it, plus the broker's meanwhile).
ceiling_once() {
  local bpid=$1 b0 own
  shift
  b0=$(cpu_ticks "$bpid")
  own=$(bash -c '"$@" >"$0"; awk "{print \$16 + \$17}" /proc/$$/stat' "$WORK/ceiling.json" "$CEILING" "$@")
  jq -r --argjson t "$((own + $(cpu_ticks "$bpid") - b0))" --argjson hz "$HZ" \
    '"\(.mib_per_s) \($t / $hz / (.mib / 1024) * 10 | round / 10)"' "$WORK/ceiling.json"
}
# The better (by MiB/s) of two runs.
best_ceiling() {
  local a b
  a=$(ceiling_once "$@")
  b=$(ceiling_once "$@")
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); print (x[1] + 0 >= y[1] + 0 ? a : b)}'
}

bench_upload() {
  local total_mib=256
  ((QUICK)) && total_mib=64
  # PERANDA_BENCH_WINDOW: the end-to-end window to measure (the master's default is 8).
  local window=${PERANDA_BENCH_WINDOW:-8}
  echo "== upload: $total_mib MiB, window $window"
  local d=$WORK/upload
  mkdir -p "$d"
  # One spool file of whole text records, hard-linked into every spool: the
  # agent only unlinks a file after the master's verified `complete`.
  local agents chunk file_bytes files_per_agent
  for chunk in 64 256; do
    for agents in 1 10; do
      # The same total for 1 and 10 agents: 16 files of total/16 for one,
      # one file of total/10 each for ten.
      files_per_agent=$((16 / agents > 0 ? 16 / agents : 1))
      head -c $(((total_mib << 20) / agents / files_per_agent * 3 / 4)) /dev/urandom |
        base64 -w 120 | sed 's/^/bench /' >"$d/template.log"
      file_bytes=$(stat -c %s "$d/template.log")
      local run=$d/c$chunk-a$agents
      start_broker "$run/broker"
      local bport=$BROKER_PORT bpid=$BROKER_PID
      start_master "$run/master" "$bport" "chunk_size = \"${chunk}KiB\"
window = $window
max_transfers = $((256 / window < 10 ? 256 / window : 10))
workers = 2
pull_interval = \"1h\""
      # The master pulls a node as soon as it joins: let that first pull find
      # an empty spool, then restart the agents with their files in place so
      # the timed pulls are the ones asked for below.
      local a f apids=()
      for ((a = 0; a < agents; a++)); do
        start_agent "$run/agent$a" "bench-$a" "$bport" ""
        apids+=("$AGENT_PID")
      done
      wait_for 30 have_online "$agents" || { echo "agents did not come online" >&2; return 1; }
      wait_for 30 pulls_finished "$agents" || { echo "first pulls did not finish" >&2; return 1; }
      for a in "${apids[@]}"; do stop_pid "$a"; done
      apids=()
      for ((a = 0; a < agents; a++)); do
        for ((f = 0; f < files_per_agent; f++)); do
          ln "$d/template.log" "$run/agent$a/spool/files/spool-$((1700000000000 + f))-$f.log"
        done
        start_agent "$run/agent$a" "bench-$a" "$bport" ""
        apids+=("$AGENT_PID")
      done
      sleep 1  # the offline heartbeats of the stopped agents are superseded
      wait_for 30 have_online "$agents" || { echo "agents did not come back" >&2; return 1; }
      local bytes=$((agents * files_per_agent * file_bytes)) ids=() t0 t1 cpu0
      cpu0=$(upload_ticks "$bpid" "$MASTER_PID" "${apids[@]}")
      t0=$(date +%s%3N)
      for ((a = 0; a < agents; a++)); do
        ids+=("$(curl -sS --max-time 10 -H 'X-Peranda-Request: 1' -d '' "http://127.0.0.1:$MASTER_HTTP/api/v1/nodes/bench-$a/pull" | jq -r .request_id)")
      done
      # The time is the master's own `ended` of the last pull, so this loop
      # can look rarely: a curl + jq per pull every 50 ms took a quarter of
      # both cores from the upload it measured.
      local mine status bad=0 ids_json
      ids_json=$(printf '%s\n' "${ids[@]}" | jq -R . | jq -sc .)
      mine='[.pulls[] | select(.request_id as $r | $ids | index($r))]'
      for ((f = 0; f < 600; f++)); do
        api /api/v1/pulls | jq -e --argjson ids "$ids_json" \
          "$mine | map(select(.finished)) | length == (\$ids | length)" >/dev/null && break
        sleep 0.5
      done
      t1=$(api /api/v1/pulls | jq --argjson ids "$ids_json" "$mine | map(.ended) | max")
      for status in $(api /api/v1/pulls | jq -r --argjson ids "$ids_json" "$mine | .[].status"); do
        [[ $status == done ]] || { bad=1; echo "  a pull ended $status" >&2; }
      done
      ((bad)) && tail -n 5 "$run/master/master.log" "$run"/agent*/agent.log >&2
      local stored cpu
      cpu=$(($(upload_ticks "$bpid" "$MASTER_PID" "${apids[@]}") - cpu0))
      stored=$(api /metrics | awk '$1 == "peranda_bytes_stored_total" {print $2}')
      for a in "${apids[@]}"; do stop_pid "$a"; done
      stop_pid "$MASTER_PID"
      local good per_gib
      good=$(awk -v b="$stored" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.1f", b / 1048576 / ((t1 - t0) / 1000)}')
      per_gib=$(awk -v t="$cpu" -v hz="$HZ" -v b="$stored" 'BEGIN {printf "%.1f", t / hz / (b / 2^30)}')
      # The ceilings: same bytes, same chunk size, same window, same broker;
      # the better of two runs each, so a noisy neighbour flatters no ratio.
      # The second one also does the upload's per-byte work (copies of the
      # same file, read and hashed; written, hashed and fsynced).
      local ceil work
      mkdir -p "$run/ceiling"
      ceil=$(best_ceiling "$bpid" "tcp://127.0.0.1:$bport" $((bytes >> 20)) "$chunk" "$window")
      work=$(best_ceiling "$bpid" "tcp://127.0.0.1:$bport" $((bytes >> 20)) "$chunk" "$window" \
        "$d/template.log" "$run/ceiling")
      stop_pid "$bpid"
      local note=""
      ((bad)) && note=" (a pull did not end in done)"
      [[ ${stored%.*} -lt $bytes ]] && note+=" (stored $stored of $bytes bytes)"
      row "upload ${chunk} KiB chunks, $agents agent(s), $((bytes >> 20)) MiB" \
        "$good MiB/s, CPU $per_gib s/GiB" \
        "ceiling ${ceil% *} MiB/s, CPU ${ceil#* } s/GiB; same work ${work% *} MiB/s, CPU ${work#* } s/GiB" \
        "$(awk -v g="$good" -v c="${ceil% *}" -v w="${work% *}" \
          'BEGIN {if (c > 0 && w > 0) printf "%.0f %% of ceiling, %.0f %% of same work", 100 * g / c, 100 * g / w; else printf "a ceiling run failed"}')$note"
      rm -rf "$run"
    done
  done
}

# ---------------------------------------------------------------- alarm
bench_alarm() {
  local count=1000
  ((QUICK)) && count=300
  echo "== alarm latency: $count alarms at 100/s"
  local d=$WORK/alarm
  start_broker "$d/broker"
  local bport=$BROKER_PORT
  start_master "$d/master" "$bport" "pull_interval = \"1h\"
alarm_fsync = true"
  touch "$d/app.log"
  start_agent "$d/agent" "bench-alarm" "$bport" "[[source]]
type = \"file\"
name = \"app\"
path = \"$d/app.log\"
rule_lines_per_second = 0
[[rule]]
name = \"bench\"
pattern = 'BENCH-ALARM'
severity = \"critical\"
sources = [\"app\"]"
  wait_for 30 have_online 1 || { echo "agent did not come online" >&2; return 1; }
  sleep 2  # the file source has opened the file at its end
  local out
  out=$("$ALARM" "$d/app.log" "$d/master/data/alarms.jsonl" "$count" 100 $((count / 100 + 60)) || true)
  echo "  $out"
  # Baseline in the same run: the broker alone, 200 B QoS-1 round trip
  # through the same mosquitto (bench_mqtt_ceiling is a throughput tool, so
  # the agent->master path is compared with the goal instead).
  row "alarm latency, $(jq -r .received <<<"$out")/$count alarms at 100/s" \
    "p50 $(jq -r .p50_ms <<<"$out") ms, p99 $(jq -r .p99_ms <<<"$out") ms, max $(jq -r .max_ms <<<"$out") ms" \
    "goal p99 <= 10 ms" "alarm_fsync = true"
  stop_pid "$AGENT_PID"; stop_pid "$MASTER_PID"; stop_pid "$BROKER_PID"
}

# ---------------------------------------------------------------- scale
bench_scale() {
  local duration=150 nodes
  ((QUICK)) && duration=75
  ulimit -n 20000
  for nodes in 1000 10000; do
    echo "== scale: $nodes nodes, heartbeat 10 s, pulls of 10 KiB every 60 s, $duration s"
    local d=$WORK/scale-$nodes
    start_broker "$d/broker"
    local bport=$BROKER_PORT bpid=$BROKER_PID
    start_master "$d/master" "$bport" "pull_interval = \"60s\"
workers = 2"
    local mpid=$MASTER_PID
    "$SIM" --port "$bport" --nodes "$nodes" --heartbeat 10 --file-kib 10 --duration "$duration" \
      --pull-interval 60 >"$d/sim.json" 2>"$d/sim.log" &
    local spid=$!
    PIDS+=("$spid")
    local c0 b0 t0 c1 b1 t1 metrics
    c0=$(cpu_ticks "$mpid"); b0=$(cpu_ticks "$bpid"); t0=$(date +%s.%N)
    # Sample the master's view just before the simulator ends.
    sleep $((duration - 5))
    metrics=$(api /metrics || true)
    c1=$(cpu_ticks "$mpid"); b1=$(cpu_ticks "$bpid"); t1=$(date +%s.%N)
    local rss hwm registry queues lag rejects
    rss=$(status_kib "$mpid" VmRSS); hwm=$(status_kib "$mpid" VmHWM)
    registry=$(awk '/^peranda_nodes\{/ {s += $2} END {print s + 0}' <<<"$metrics")
    queues=$(awk '/^peranda_queue_length\{/ {printf "%s%s", sep, $2; sep = "/"}' <<<"$metrics")
    lag=$(awk '/^peranda_pull_lag_seconds\{/ {if ($2 > m) m = $2} END {print m + 0}' <<<"$metrics")
    rejects=$(awk -F'[{}" ]+' '/^peranda_transfers_rejected_total\{/ && $NF > 0 {printf "%s%s %s", sep, $3, $NF; sep = ", "}' <<<"$metrics")
    wait "$spid" || true
    local sim
    sim=$(cat "$d/sim.json")
    echo "  $sim"
    local cpu bcpu
    cpu=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" 'BEGIN {printf "%.1f", 100 * (b - a) / hz / (t1 - t0)}')
    bcpu=$(awk -v a="$b0" -v b="$b1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" 'BEGIN {printf "%.1f", 100 * (b - a) / hz / (t1 - t0)}')
    row "master, $nodes nodes, ${duration} s" \
      "CPU $cpu %, RSS $(mib "$rss") MiB (peak $(mib "$hwm") MiB)" \
      "mosquitto CPU $bcpu %, RSS $(mib "$(status_kib "$bpid" VmRSS)") MiB" \
      "pull lag p99 $(jq -r .pull_lag_ms_p99 <<<"$sim") ms (max $(jq -r .pull_lag_ms_max <<<"$sim") ms, $(jq -r .lag_samples <<<"$sim") pulls, $(jq -r .completes <<<"$sim") completes); registry $registry; queues $queues; master lag gauge max ${lag} s; rejected transfers: ${rejects:-none}"
    stop_pid "$MASTER_PID"; stop_pid "$bpid"
    rm -rf "$d"
  done
}

# ---------------------------------------------------------------- footprint
bench_footprint() {
  local duration=60
  ((QUICK)) && duration=20
  echo "== footprint: $duration s idle, all three at once"
  local d=$WORK/footprint
  start_broker "$d/broker"
  local bport=$BROKER_PORT
  # deploy/agent.toml as shipped, with the collectors taken from the tree
  # (relative commands resolve against the config's folder).
  mkdir -p "$d/agent"
  ln -s "$ROOT/deploy/collectors" "$d/agent/collectors"
  sed -e "s#^url = .*#url = \"tcp://127.0.0.1:$bport\"#" \
    -e "s#^spool_dir = .*#spool_dir = \"$d/agent/spool\"#" \
    -e 's/^# node_id = .*/node_id = "bench-idle"/' "$ROOT/deploy/agent.toml" >"$d/agent/agent.toml"
  setsid "$AGENT" --config "$d/agent/agent.toml" --log-level warn >"$d/agent/agent.log" 2>&1 &
  local apid=$!
  PIDS+=("$apid")
  local zpid="" npid="" zport nport
  if command -v zabbix_agentd >/dev/null; then
    zport=$(free_port)
    mkdir -p "$d/zabbix"
    printf 'ListenIP=127.0.0.1\nListenPort=%s\nServer=127.0.0.1\nServerActive=\nHostname=bench\nLogType=file\nLogFile=%s\nPidFile=%s\nAllowRoot=1\n' \
      "$zport" "$d/zabbix/zabbix.log" "$d/zabbix/zabbix.pid" >"$d/zabbix/zabbix_agentd.conf"
    setsid zabbix_agentd -f -c "$d/zabbix/zabbix_agentd.conf" >/dev/null 2>&1 &
    zpid=$!
    PIDS+=("$zpid")
  fi
  if command -v prometheus-node-exporter >/dev/null; then
    nport=$(free_port)
    setsid prometheus-node-exporter --web.listen-address="127.0.0.1:$nport" >"$d/node_exporter.log" 2>&1 &
    npid=$!
    PIDS+=("$npid")
  fi
  setsid "$FLOOR" "tcp://127.0.0.1:$bport" >"$d/floor.log" 2>&1 &
  local fpid=$!
  PIDS+=("$fpid")
  sleep 5  # start-up (first collector runs, zabbix forks its workers) is not idle
  kill -0 "$apid" 2>/dev/null || { echo "the agent exited:" >&2; tail -n 5 "$d/agent/agent.log" >&2; return 1; }
  local p t0 t1 a0 z0 n0 f0
  t0=$(date +%s.%N)
  a0=$(session_ticks "$apid"); f0=$(session_ticks "$fpid"); z0=$([[ -n $zpid ]] && session_ticks "$zpid" || echo 0)
  n0=$([[ -n $npid ]] && session_ticks "$npid" || echo 0)
  sleep "$duration"
  t1=$(date +%s.%N)
  pct() { awk -v a="$1" -v b="$2" -v t0="$t0" -v t1="$t1" -v hz="$HZ" 'BEGIN {printf "%.2f", 100 * (b - a) / hz / (t1 - t0)}'; }
  local arss ahwm
  arss=$(status_kib "$apid" VmRSS); ahwm=$(status_kib "$apid" VmHWM)
  row "peranda-agent idle (deploy/agent.toml collectors)" "RSS $(mib "$arss") MiB (peak $(mib "$ahwm") MiB; private $(mib "$(status_kib "$apid" RssAnon)") MiB, PSS $(mib "$(session_pss_kib "$apid")") MiB)" \
    "CPU $(pct "$a0" "$(session_ticks "$apid")") % incl. collector runs" "1 process"
  row "bare Paho C++ client, connected (floor)" "RSS $(mib "$(status_kib "$fpid" VmRSS)") MiB (private $(mib "$(status_kib "$fpid" RssAnon)") MiB, PSS $(mib "$(session_pss_kib "$fpid")") MiB)" \
    "CPU $(pct "$f0" "$(session_ticks "$fpid")") %" "bench_paho_floor: connects, subscribes, waits"
  if [[ -n $zpid ]]; then
    row "zabbix_agentd -f (baseline)" "RSS $(mib "$(session_rss_kib "$zpid")") MiB (PSS $(mib "$(session_pss_kib "$zpid")") MiB)" \
      "CPU $(pct "$z0" "$(session_ticks "$zpid")") %" "$(ps -o pid= -s "$zpid" | wc -l) processes"
  fi
  if [[ -n $npid ]]; then
    row "prometheus-node-exporter (baseline)" "RSS $(mib "$(session_rss_kib "$npid")") MiB (PSS $(mib "$(session_pss_kib "$npid")") MiB)" \
      "CPU $(pct "$n0" "$(session_ticks "$npid")") %" "not scraped"
  fi
  for p in $apid $fpid $zpid $npid; do stop_pid "$p"; done
  stop_pid "$BROKER_PID"
}

# How each figure is made; appended to docs/benchmarks.md.
method() {
  cat <<'EOF'
## Method

Run: `scripts/bench.sh` (all four, about 10 minutes) or
`scripts/bench.sh --only upload,alarm,scale,footprint` (any subset), `--quick` for
smaller sizes. Each part starts its own mosquitto on a free loopback port
(`set_tcp_nodelay true`, `max_queued_messages 100000`,
`max_connections -1`, no persistence) and stops everything by PID.

- **Upload goodput**: closed spool files (`spool-<ms>-<n>.log`, 16 MiB of
  text lines each) are placed in each agent's `spool/files` before it starts;
  the master (`window = 8`, `max_transfers = 10`, `workers = 2`) is asked
  for one pull per node at once through `POST /api/v1/nodes/{node}/pull`;
  time runs from the first request to the latest `ended` of those pulls
  (the master's clock; the script looks every 0.5 s so that its own curl and
  jq stay off the CPU). Goodput = the master's
  `peranda_bytes_stored_total` (sha256-verified, fsynced, renamed) / that
  time. The ceiling is `bench_mqtt_ceiling URL MIB CHUNK_KIB 8` (plain Paho
  QoS-1 publisher -> subscriber, no hashing, no disk) moving the same bytes
  in the same chunk size through the same broker right after: the better of
  two runs. "Same work" is `bench_mqtt_ceiling URL MIB CHUNK_KIB 8 FILE DIR`:
  the same, but the publisher preads and hashes each chunk of copies of the
  benchmark's spool file (the agent hashes these files too, as it found
  them at start-up) and the subscriber pwrites each into a file, hashes it
  and at each file's end checks the digest, fdatasyncs and renames; all
  inline on Paho's threads, with no flow control. CPU s/GiB = utime+stime
  of broker, master and agents (of broker and ceiling for the baselines)
  per GiB moved.
- **Alarm latency**: `bench_alarm_latency` appends `BENCH-ALARM seq=N
  t=<wall ns>` lines at 100/s to a file the agent follows (rule
  `BENCH-ALARM`, `rule_lines_per_second = 0`) and watches the master's
  journal (`alarm_fsync = true`) with inotify; latency = journal line
  visible - line written. The agent's outbox fsync and the journal's group
  commit run beside this path; the ack to the agent follows the fsync.
- **Master scale**: `bench_fleet_sim --nodes N --heartbeat 10 --file-kib 10
  --pull-interval 60` against a master with `pull_interval = "60s"`,
  `workers = 2`. CPU % = utime+stime of the master (and of mosquitto) from
  /proc over the run; RSS = VmRSS and VmHWM at the end; pull lag from the
  simulator (request arrival - due time); registry and queue sizes from
  `/metrics` 5 s before the end.
- **Agent footprint**: `deploy/agent.toml` with its collectors taken from
  `deploy/collectors/`, idle next to `zabbix_agentd -f` (loopback port, no
  active checks) and `prometheus-node-exporter` (loopback, not scraped), all
  three at once; RSS summed over each one's processes; CPU % = ticks
  (including reaped children, i.e. collector runs) over the window.
EOF
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
want upload && bench_upload
want alarm && bench_alarm
want scale && bench_scale
want footprint && bench_footprint
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "| benchmark | peranda | baseline (same run) | notes |"
echo "|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo "load average before: $LOAD_BEFORE, after: $LOAD_AFTER"

((DOC)) || exit 0
# Hand-written findings (from "## Findings" on) survive a re-run.
FINDINGS=""
[[ -f $ROOT/docs/benchmarks.md ]] && FINDINGS=$(sed -n '/^## Findings/,$p' "$ROOT/docs/benchmarks.md")
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`scripts/bench.sh$( ((QUICK)) && echo ' --quick')\` on $(date -u +%Y-%m-%d) (Release build,"
  echo "mosquitto $(mosquitto -h 2>/dev/null | awk 'NR == 1 {print $3}') with \`set_tcp_nodelay true\`, loopback only)."
  echo "Every figure stands next to a baseline measured in the same run: the"
  echo "machine is shared, so absolute numbers move between runs; ratios much less."
  echo
  echo "## Machine"
  echo
  echo "- CPUs: $(nproc) ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))"
  echo "- Kernel: $(uname -r)"
  echo "- Load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
  echo
  echo "## Results"
  echo
  echo "| benchmark | peranda | baseline (same run) | notes |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  method
  if [[ -n $FINDINGS ]]; then printf '\n%s\n' "$FINDINGS"; fi
} >"$ROOT/docs/benchmarks.md"
echo "wrote docs/benchmarks.md"
