# SPDX-License-Identifier: Apache-2.0
"""Upload goodput: spool files of 1 and 10 agents pulled by the master,
next to bench_mqtt_ceiling moving the same bytes through the same broker."""
import base64
import json
import os
import shutil
import time

from . import procstat
from .api import metric_values
from .wait import wait_for

# How often the harness looks at the pulls while they run: rarely, so its
# own requests stay off the CPU it measures (the time is the master's own).
_POLL_S = 0.5
_PULL_TIMEOUT_S = 300


def write_template(path, random_bytes):
    """Whole text records: `random_bytes` of randomness, base64 in lines of
    120 characters, each prefixed by "bench "."""
    text = base64.b64encode(os.urandom(random_bytes))
    with open(path, "wb") as f:
        for at in range(0, len(text), 120):
            f.write(b"bench " + text[at:at + 120] + b"\n")


def _ceiling_once(rig, broker, args, out):
    """One bench_mqtt_ceiling run -> (MiB/s, CPU s per GiB): its own CPU
    (from wait4) plus the broker's meanwhile."""
    b0 = procstat.cpu_ticks(broker.proc.pid)
    proc = rig.start([rig.program("bench_mqtt_ceiling"), broker.url] + [str(a) for a in args],
                     out.with_suffix(".log"), stdout=out)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped above; an incomplete run shows as 0 MiB/s
    rig.forget(proc)
    cpu = usage.ru_utime + usage.ru_stime + (procstat.cpu_ticks(broker.proc.pid) - b0) / procstat.HZ
    try:
        result = json.loads(out.read_text())
    except (OSError, ValueError):
        return 0.0, 0.0
    gib = result["mib"] / 1024
    return float(result["mib_per_s"]), round(cpu / gib, 1) if gib > 0 else 0.0


def _best_ceiling(rig, broker, args, out):
    """The better (by MiB/s) of two runs, so a noisy neighbour flatters no ratio."""
    return max(_ceiling_once(rig, broker, args, out), _ceiling_once(rig, broker, args, out))


def _ticks(procs):
    return sum(procstat.cpu_ticks(p.pid) for p in procs)


def _one(rig, rows, folder, total_mib, chunk, agents, window):
    # The same total for 1 and 10 agents: 16 files of total/16 for one, one
    # file of total/10 each for ten; one template hard-linked into every
    # spool (the agent unlinks a file only after the master's `complete`).
    files_per_agent = max(16 // agents, 1)
    template = folder / "template.log"
    write_template(template, (total_mib << 20) // agents // files_per_agent * 3 // 4)
    file_bytes = template.stat().st_size
    run = folder / f"c{chunk}-a{agents}"
    broker = rig.broker(run / "broker")
    master = rig.master(run / "master", broker.port,
                        f'chunk_size = "{chunk}KiB"\nwindow = {window}\n'
                        f"max_transfers = {min(256 // window, 10)}\nworkers = 2\n"
                        'pull_interval = "1h"')
    api = master.api
    nodes = [f"bench-{a}" for a in range(agents)]
    # The master pulls a node as soon as it joins: let that first pull find
    # an empty spool, then restart the agents with their files in place so
    # the timed pulls are the ones asked for below.
    procs = [rig.agent(run / f"agent{a}", node, broker.port) for a, node in enumerate(nodes)]
    wait_for("agents online", lambda: api.online_nodes() >= agents, 30)
    wait_for("first pulls finished",
             lambda: sum(1 for p in api.pulls() if p["finished"]) >= agents, 30)
    for p in procs:
        rig.stop(p)
    # Their offline heartbeats must be seen before "online" means the new agents.
    wait_for("stopped agents offline", lambda: api.online_nodes() == 0, 30)
    procs = []
    for a, node in enumerate(nodes):
        spool = run / f"agent{a}" / "spool" / "files"
        for f in range(files_per_agent):
            os.link(template, spool / f"spool-{1700000000000 + f}-{f}.log")
        procs.append(rig.agent(run / f"agent{a}", node, broker.port))
    wait_for("agents back online", lambda: api.online_nodes() >= agents, 30)

    total = agents * files_per_agent * file_bytes
    measured = [broker.proc, master.proc] + procs
    cpu0 = _ticks(measured)
    t0 = time.time() * 1000
    ids = {api.request_pull(node) for node in nodes}

    def all_finished():
        mine = [p for p in api.pulls() if p["request_id"] in ids]
        return mine if len(mine) == len(ids) and all(p["finished"] for p in mine) else None

    # The time is the master's own `ended` of the last pull.
    pulls = wait_for("the timed pulls finished", all_finished, _PULL_TIMEOUT_S, interval=_POLL_S)
    t1 = max(p["ended"] for p in pulls)
    bad = [p["status"] for p in pulls if p["status"] != "done"]
    for status in bad:
        print(f"  a pull ended {status}", flush=True)
    cpu = _ticks(measured) - cpu0
    stored = sum(metric_values(api.metrics(), "peranda_bytes_stored_total"))
    for p in procs:
        rig.stop(p)
    rig.stop(master.proc)
    good = stored / 1048576 / ((t1 - t0) / 1000)
    per_gib = cpu / procstat.HZ / (stored / 2**30) if stored else 0.0

    # The ceilings: same bytes, chunk size, window and broker. The second
    # also does the upload's per-byte work (copies of the same file, read and
    # hashed; written, hashed and fsynced).
    (run / "ceiling").mkdir()
    args = [total >> 20, chunk, window]
    ceil = _best_ceiling(rig, broker, args, run / "ceiling.json")
    work = _best_ceiling(rig, broker, args + [template, run / "ceiling"], run / "work.json")
    rig.stop(broker.proc)

    note = ""
    if bad:
        note += " (a pull did not end in done)"
    if stored < total:
        note += f" (stored {stored:.0f} of {total} bytes)"
    ratio = (f"{100 * good / ceil[0]:.0f} % of ceiling, {100 * good / work[0]:.0f} % of same work"
             if ceil[0] > 0 and work[0] > 0 else "a ceiling run failed")
    rows.add(f"upload {chunk} KiB chunks, {agents} agent(s), {total >> 20} MiB",
             f"{good:.1f} MiB/s, CPU {per_gib:.1f} s/GiB",
             f"ceiling {ceil[0]:.1f} MiB/s, CPU {ceil[1]:.1f} s/GiB; "
             f"same work {work[0]:.1f} MiB/s, CPU {work[1]:.1f} s/GiB",
             ratio + note)
    shutil.rmtree(run)


def run(rig, rows, options):
    total_mib = 64 if options.quick else 256
    # PERANDA_BENCH_WINDOW: the end-to-end window to measure (the master's default is 8).
    window = int(os.environ.get("PERANDA_BENCH_WINDOW", "8"))
    print(f"== upload: {total_mib} MiB, window {window}", flush=True)
    folder = rig.work / "upload"
    folder.mkdir()
    for chunk in (64, 256):
        for agents in (1, 10):
            _one(rig, rows, folder, total_mib, chunk, agents, window)
