# SPDX-License-Identifier: Apache-2.0
"""Master scale: 1,000 and 10,000 simulated nodes (bench_fleet_sim)."""
import json
import resource
import shutil
import subprocess
import time

from . import procstat
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


def run(rig, rows, options):
    duration = 75 if options.quick else 150
    _raise_open_files(20000)
    for nodes in (1000, 10000):
        _one(rig, rows, nodes, duration)
