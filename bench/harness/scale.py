# SPDX-License-Identifier: Apache-2.0
"""Master scale: 1,000 and 10,000 simulated nodes on one master, and
50,000 on two masters with one of them killed (bench_fleet_sim)."""
import json
import os
import resource
import shutil
import signal
import subprocess
import time
from collections import namedtuple

from . import procstat, report
from .wait import runs_for

# The master's view is sampled this long before the simulator ends.
_SAMPLE_BEFORE_END_S = 5
# The simulator's stop (offline heartbeats, disconnects) and report.
_END_GRACE_S = 60


def _raise_open_files(want):
    """Room for one socket per simulated node in mosquitto and the simulator."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(want, hard)), hard))


def summarize_metrics(samples):
    """(registry size, queue lengths "a/b", max lag gauge, rejected transfers)."""
    registry = sum(v for n, _, v in samples if n == "peranda_nodes")
    queues = "/".join(f"{v:g}" for n, _, v in samples if n == "peranda_queue_length")
    lag = max((v for n, _, v in samples if n == "peranda_pull_lag_seconds"), default=0.0)
    rejects = ", ".join(f"{labels.get('reason', '?')} {v:g}" for n, labels, v in samples
                        if n == "peranda_transfers_rejected_total" and v > 0)
    return f"{registry:g}", queues, f"{lag:g}", rejects or "none"


def _one(rig, rows, nodes, duration):
    print(f"== scale: {nodes} nodes, heartbeat 10 s, pulls of 10 KiB every 60 s, {duration} s",
          flush=True)
    folder = rig.work / f"scale-{nodes}"
    broker = rig.broker(folder / "broker")
    master = rig.master(folder / "master", broker.port, 'pull_interval = "60s"\nworkers = 2')
    mpid, bpid = master.proc.pid, broker.proc.pid
    sim = rig.start([rig.program("bench_fleet_sim"), "--port", str(broker.port), "--nodes", str(nodes),
                     "--heartbeat", "10", "--file-kib", "10", "--duration", str(duration),
                     "--pull-interval", "60"], folder / "sim.log", stdout=folder / "sim.json")
    c0, b0, t0 = procstat.cpu_ticks(mpid), procstat.cpu_ticks(bpid), time.monotonic()
    if not runs_for(sim, duration - _SAMPLE_BEFORE_END_S):
        raise RuntimeError(f"bench_fleet_sim ended early ({sim.returncode})")
    try:
        samples = master.api.metrics()
    except OSError as e:
        print(f"  /metrics not read: {e}", flush=True)
        samples = []
    c1, b1, t1 = procstat.cpu_ticks(mpid), procstat.cpu_ticks(bpid), time.monotonic()
    rss, hwm = procstat.status_kib(mpid, "VmRSS"), procstat.status_kib(mpid, "VmHWM")
    registry, queues, lag, rejects = summarize_metrics(samples)
    try:
        sim.wait(timeout=_SAMPLE_BEFORE_END_S + _END_GRACE_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError("bench_fleet_sim did not end") from None
    rig.forget(sim)
    text = (folder / "sim.json").read_text()
    print(f"  {text.strip()}", flush=True)
    out = json.loads(text)
    cpu = procstat.cpu_percent(c1 - c0, t1 - t0)
    bcpu = procstat.cpu_percent(b1 - b0, t1 - t0)
    rows.add(f"master, {nodes} nodes, {duration} s",
             f"CPU {cpu:.1f} %, RSS {procstat.mib(rss)} MiB (peak {procstat.mib(hwm)} MiB)",
             f"mosquitto CPU {bcpu:.1f} %, RSS {procstat.mib(procstat.status_kib(bpid, 'VmRSS'))} MiB",
             f"pull lag p99 {out['pull_lag_ms_p99']:.0f} ms (max {out['pull_lag_ms_max']:.0f} ms, "
             f"{out['lag_samples']} pulls, {out['completes']} completes); registry {registry}; "
             f"queues {queues}; master lag gauge max {lag} s; rejected transfers: {rejects}")
    rig.stop(master.proc)
    rig.stop(broker.proc)
    shutil.rmtree(folder)


# The defaults of master-service/master_config.hpp and
# node-agent/agent_config.hpp (docs/configuration.md).
_DEFAULT_PULL_S = 300
_DEFAULT_HEARTBEAT_S = 10
_DEFAULT_BEAT_S = 5
# Source addresses of each simulator: one has ~28k ephemeral ports
# towards one broker port.
_SOURCES = 4
# Descriptors a broker or simulator needs besides one per node.
_SPARE_FILES = 1000


def read_requests_log(lines):
    """bench_fleet_sim --requests-log: (its start in CLOCK_MONOTONIC ms or
    None, [(ms since its start, node, master id), ...]) of whole lines."""
    start, requests = None, []
    for line in lines:
        if line.startswith("# start_monotonic_ms "):
            start = int(line.split()[2])
            continue
        fields = line.split()
        if len(fields) == 3:
            requests.append((int(fields[0]), fields[1], fields[2]))
    return start, requests


def percentile(values, q):
    """As bench_fleet_sim takes them: the value at index q x (n - 1) of the sorted list."""
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else 0


def pull_lags_ms(requests, interval_ms, before_ms):
    """Each node's time between two consecutive requests, both before
    `before_ms`, less the pull interval (0 when early): bench_fleet_sim's
    pull lag. `requests` as read_requests_log gives them, each node's in
    time order."""
    last, lags = {}, []
    for ms, node, _ in requests:
        if ms >= before_ms:
            continue
        if node in last:
            lags.append(max(0, ms - last[node] - interval_ms))
        last[node] = ms
    return lags


def overdue_ms(requests, nodes, at_ms, interval_ms, since_ms):
    """For each of `nodes`: how long past its due time it is at `at_ms`
    (0 if not yet due), due one interval after its last request before
    `at_ms`, or after `since_ms` if it had none: the pull lag of the
    nodes a master has not come back to, which pull_lags_ms cannot see."""
    last = {}
    for ms, node, _ in requests:
        if ms < at_ms:
            last[node] = max(ms, last.get(node, ms))
    return [max(0, at_ms - last.get(node, since_ms) - interval_ms) for node in nodes]


takeover = namedtuple("takeover", "owned taken all_ms p50_ms")


def failover(requests, kill_ms, killed, survivor):
    """How the survivor took over the nodes whose last request before the kill
    came from the killed master: how many there were, how many the survivor
    has asked since, and the time from the kill until it had asked them all
    (None while some are left) and half of them."""
    last_master, first_after = {}, {}
    for ms, node, master in requests:
        if ms < kill_ms:
            last_master[node] = master
        elif master == survivor:
            first_after.setdefault(node, ms)
    owned = [node for node, master in last_master.items() if master == killed]
    delays = [first_after[node] - kill_ms for node in owned if node in first_after]
    done = max(delays) if owned and len(delays) == len(owned) else None
    return takeover(len(owned), len(delays), done, percentile(delays, 0.5) if delays else None)


class _requests_logs:
    """The whole lines running simulators have flushed to their requests
    logs so far, placed on one time line: CLOCK_MONOTONIC ms, as
    time.monotonic() gives them."""

    def __init__(self, paths):
        self._files = {path: [0, None] for path in paths}  # offset, start
        self.requests = []

    def poll(self):
        for path, state in self._files.items():
            try:
                with open(path, "rb") as f:
                    f.seek(state[0])
                    data = f.read()
            except FileNotFoundError:
                continue
            whole = data[:data.rfind(b"\n") + 1]
            state[0] += len(whole)
            start, requests = read_requests_log(whole.decode().splitlines())
            state[1] = state[1] if start is None else start
            self.requests += [(state[1] + ms, node, master) for ms, node, master in requests]
        return self.requests


def _metric_sum(master, name):
    """The sum of a metric's samples (peranda_nodes: the registry's size)."""
    try:
        return sum(v for n, _, v in master.api.metrics() if n == name)
    except OSError:
        return 0  # busy beyond the API's timeout: asked again


def _shards(nodes):
    """How many simulators (and brokers for them) `nodes` sessions need:
    without CAP_SYS_RESOURCE no process may open more than the hard
    RLIMIT_NOFILE (20,000 on the machine of docs/benchmarks.md)."""
    per_process = resource.getrlimit(resource.RLIMIT_NOFILE)[0] - _SPARE_FILES
    return -(-nodes // per_process)


def _edge_bridge(core_port, name):
    """An edge broker's bridge to the core: each message kind one way only,
    as the agents and the masters use them (topics.hpp). `name` is the
    bridge's client id at the core: two bridges of one id would take the
    session from each other without end."""
    out = ["nodes/+/heartbeat", "nodes/+/alarm", "nodes/+/logs/reply", "nodes/+/logs/upload/#"]
    into = ["nodes/+/alarm/ack", "nodes/+/logs/request", "nodes/+/logs/ack", "masters/+/status"]
    return ([f"connection {name}", f"address 127.0.0.1:{core_port}", "bridge_protocol_version mqttv311",
             "cleansession true", "try_private true"] +
            [f"topic peranda/v1/{t} out 1" for t in out] + [f"topic peranda/v1/{t} in 1" for t in into])


def _start_fleet(rig, folder, core, nodes, pull_s, run_s):
    """The simulators, each on its own broker bridged to the core when one
    process cannot hold every session, else one on the core: (their Popen,
    their brokers, their requests logs)."""
    shards = _shards(nodes)
    edges = ([rig.broker(folder / f"edge{k}", _edge_bridge(core.port, f"edge{k}")) for k in range(shards)]
             if shards > 1 else [core])
    sims, logs = [], []
    for k, broker in enumerate(edges):
        count = nodes // shards + (1 if k < nodes % shards else 0)
        logs.append(folder / f"requests{k}.log")
        sims.append(rig.start(
            [rig.program("bench_fleet_sim"), "--port", str(broker.port), "--nodes", str(count),
             "--prefix", f"sim{k}", "--sources", str(_SOURCES), "--heartbeat", str(_DEFAULT_HEARTBEAT_S),
             "--file-kib", "10", "--pull-interval", str(pull_s), "--requests-log", str(logs[-1]),
             "--duration", str(run_s)], folder / f"sim{k}.log", stdout=folder / f"sim{k}.json"))
    return sims, ([] if shards == 1 else edges), _requests_logs(logs)


def _two_masters(rig, rows, nodes, pull_s):
    window = 2 * pull_s
    intervals = (f"pull_interval {pull_s} s" + (" (default)" if pull_s == _DEFAULT_PULL_S else "") +
                 f", heartbeat {_DEFAULT_HEARTBEAT_S} s (default), beat_interval {_DEFAULT_BEAT_S} s "
                 f"(default), workers 2, max_transfers 8 (default)")
    print(f"== scale: {nodes} nodes on two masters, {intervals}, window {window} s", flush=True)
    folder = rig.work / "scale-two-masters"
    core = rig.broker(folder / "core")
    extra = f'workers = 2\npull_interval = "{pull_s}s"'
    m1, m2 = (rig.master(folder / mid, core.port, extra, master_id=mid) for mid in ("m1", "m2"))
    for m in (m1, m2):
        rig.wait_ready("two live masters", m.proc,
                       lambda m=m: _metric_sum(m, "peranda_master_live_masters") == 2)
    sims, edges, logs = _start_fleet(rig, folder, core, nodes, pull_s, 10 * window)
    t_start = time.monotonic()
    # Settled: every node registered in both masters and pulled once by its
    # owner (the join pulls are a burst the steady state does not have).
    rig.wait_ready(f"{nodes} nodes registered in both masters", sims[0],
                   lambda: all(_metric_sum(m, "peranda_nodes") == nodes for m in (m1, m2)),
                   timeout=window, interval=2)
    registered_ms = int(time.monotonic() * 1000)
    try:
        rig.wait_ready(f"{nodes} nodes pulled once", sims[0],
                       lambda: len({node for _, node, _ in logs.poll()}) == nodes, timeout=pull_s, interval=2)
    except TimeoutError as e:
        # The masters fall behind: that is measured, not an error. The
        # first line only: the rest is the simulator's (empty) log tail.
        print(f"  {str(e).splitlines()[0]}: the window starts anyway", flush=True)
    pulled_once = len({node for _, node, _ in logs.poll()})
    settle = time.monotonic() - t_start
    pids = {"m1": [m1.proc.pid], "m2": [m2.proc.pid], "core": [core.proc.pid],
            "edges": [e.proc.pid for e in edges], "sim": [s.pid for s in sims]}
    print(f"  settled after {settle:.0f} s; window of {window} s, pids {pids}", flush=True)

    def ticks():
        return {k: sum(procstat.cpu_ticks(p) for p in ps) for k, ps in pids.items()}
    c0, t0 = ticks(), time.monotonic()
    if not runs_for(sims[0], window):
        raise RuntimeError(f"bench_fleet_sim ended early ({sims[0].returncode})")
    c1, t1 = ticks(), time.monotonic()
    cpu = {k: procstat.cpu_percent(c1[k] - c0[k], t1 - t0) for k in pids}
    mem = {k: tuple(sum(procstat.status_kib(p, key) for p in ps) for key in ("VmRSS", "VmHWM"))
           for k, ps in pids.items()}
    owned = {"m1": _metric_sum(m1, "peranda_nodes_owned"), "m2": _metric_sum(m2, "peranda_nodes_owned")}
    load = report.load_average()
    print(f"  CPU % {cpu}, RSS/HWM KiB {mem}, owned {owned}, load {load}", flush=True)

    kill_ms = int(time.monotonic() * 1000)
    os.kill(m1.proc.pid, signal.SIGKILL)
    m1.proc.wait()
    rig.forget(m1.proc)
    try:
        rig.wait_ready("m2 pulled every node of m1", sims[0],
                       lambda: failover(logs.poll(), kill_ms, "m1", "m2").all_ms is not None,
                       timeout=window, interval=2)
    except TimeoutError as e:
        print(f"  {str(e).splitlines()[0]}", flush=True)
    after_s = time.monotonic() - kill_ms / 1000
    m2_after = (procstat.cpu_percent(procstat.cpu_ticks(m2.proc.pid) - c1["m2"], after_s),
                procstat.status_kib(m2.proc.pid, "VmHWM"))
    for sim in sims:
        rig.stop(sim)  # SIGTERM: a simulator stops cleanly and prints its summary
    logs.poll()
    outs = [json.loads((folder / f"sim{k}.json").read_text()) for k in range(len(sims))]
    print(f"  {json.dumps(outs)}", flush=True)
    lags = pull_lags_ms(logs.requests, pull_s * 1000, kill_ms)
    ids = [f"sim{k}-{i:05}" for k, o in enumerate(outs) for i in range(o["nodes"])]
    late = overdue_ms(logs.requests, ids, kill_ms, pull_s * 1000, registered_ms)
    took = failover(logs.requests, kill_ms, "m1", "m2")
    if took.all_ms is not None:
        taken = (f"failover {took.all_ms / 1000:.1f} s: m2 had pulled all {took.owned} nodes of m1 "
                 f"(half of them by {took.p50_ms / 1000:.1f} s) after the kill")
    else:
        taken = f"failover not done: m2 had pulled {took.taken} of m1's {took.owned} nodes in {after_s:.0f} s"

    def master_cell(k):
        return (f"{k} CPU {cpu[k]:.1f} %, RSS {procstat.mib(mem[k][0])} MiB "
                f"(peak {procstat.mib(mem[k][1])} MiB), owns {owned[k]:g}")
    brokers = f"mosquitto CPU {cpu['core']:.1f} %, RSS {procstat.mib(mem['core'][0])} MiB"
    if edges:
        brokers = (f"core {brokers}; {len(edges)} edge brokers bridged to it, one per simulator: CPU "
                   f"{cpu['edges']:.1f} %, RSS {procstat.mib(mem['edges'][0])} MiB in all")
    rows.add(f"two masters, {nodes} nodes, {window} s window; m1 killed -9",
             f"{master_cell('m1')}; {master_cell('m2')}",
             f"{brokers}; {len(sims)} simulator(s) CPU {cpu['sim']:.1f} %",
             f"pull lag p99 {percentile(lags, 0.99)} ms (max {max(lags, default=0)} ms, {len(lags)} pulls "
             f"before the kill); overdue at the kill: p99 {percentile(late, 0.99) / 1000:.0f} s, "
             f"{sum(1 for v in late if v > 0)} of {nodes} nodes past due; {pulled_once} of {nodes} nodes "
             f"pulled once when the window began; {taken}; m2 from the kill on: CPU {m2_after[0]:.1f} %, peak RSS "
             f"{procstat.mib(m2_after[1])} MiB; {intervals}; {_SOURCES} source addresses per simulator; "
             f"settled in {settle:.0f} s; session drops {sum(o['drops'] for o in outs)}; load average {load}")
    rig.stop(m2.proc)
    for broker in edges + [core]:
        rig.stop(broker.proc)
    shutil.rmtree(folder)


def run(rig, rows, options):
    duration = 75 if options.quick else 150
    # One socket per simulated node in mosquitto and in the simulator; as
    # far as the hard limit lets (_shards).
    _raise_open_files(60000)
    for nodes in (1000, 10000):
        _one(rig, rows, nodes, duration)
    if options.quick:
        _two_masters(rig, rows, 10000, 60)
    else:
        _two_masters(rig, rows, 50000, _DEFAULT_PULL_S)
