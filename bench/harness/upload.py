# SPDX-License-Identifier: Apache-2.0
"""Upload goodput: spool files of 1 and 10 agents pulled by the master,
next to bench_mqtt_ceiling moving the same bytes through the same broker:
incompressible text sent plain, and the loghub corpus as the agent spools
it by default (zstd level 1), measured in raw log bytes."""
import base64
import json
import os
import shutil
import subprocess
import time

from . import procstat
from .api import metric_values
from .peer import write_corpus
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


def _templates(folder, file_mib, corpus):
    """(spool file to link, its name suffix, the plain bytes it holds): for
    `corpus`, the loghub text compressed by `zstd -1` as the agent's closed
    spool files are (zstd level 1), else incompressible text sent plain."""
    plain = folder / "template.log"
    if not corpus:
        write_template(plain, (file_mib << 20) * 3 // 4)
        return plain, ".log", plain
    _, what = write_corpus(plain, file_mib)
    print(f"  spool files: {file_mib} MiB of {what}, zstd -1", flush=True)
    packed = folder / "template.log.zst"
    subprocess.run(["zstd", "-1", "-q", "-f", str(plain), "-o", str(packed)], check=True)
    return packed, ".log.zst", plain


def _one(rig, rows, folder, total_mib, chunk, agents, window, corpus=False):
    # The same total for 1 and 10 agents: 16 files of total/16 for one, one
    # file of total/10 each for ten; one template hard-linked into every
    # spool (the agent unlinks a file only after the master's `complete`).
    files_per_agent = max(16 // agents, 1)
    template, suffix, plain = _templates(folder, total_mib // agents // files_per_agent, corpus)
    file_bytes = template.stat().st_size
    raw_bytes = plain.stat().st_size if corpus else file_bytes
    run = folder / f"c{chunk}-a{agents}{'-corpus' if corpus else ''}"
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
            os.link(template, spool / f"spool-{1700000000000 + f}-{f}{suffix}")
        procs.append(rig.agent(run / f"agent{a}", node, broker.port))
    wait_for("agents back online", lambda: api.online_nodes() >= agents, 30)

    total = agents * files_per_agent * file_bytes
    raw_total = agents * files_per_agent * raw_bytes
    parts = {"agent": procs, "master": [master.proc], "broker": [broker.proc]}
    cpu0 = {k: _ticks(v) for k, v in parts.items()}
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
    cpu = {k: (_ticks(v) - cpu0[k]) / procstat.HZ for k, v in parts.items()}
    stored = sum(metric_values(api.metrics(), "peranda_bytes_stored_total"))
    for p in procs:
        rig.stop(p)
    rig.stop(master.proc)
    seconds = (t1 - t0) / 1000
    # Raw log bytes moved: every file stored whole, or what was stored of them.
    raw_moved = raw_total * min(stored / total, 1.0) if total else 0
    good = raw_moved / 1048576 / seconds
    raw_gib = raw_moved / 2**30
    per_gib = sum(cpu.values()) / raw_gib if raw_gib else 0.0

    # The ceilings: same bytes, chunk size, window and broker. The second
    # also does the upload's per-byte work (copies of the same file, read and
    # hashed; written, hashed and fsynced).
    # For the corpus they move its raw size plain: what shipping the same
    # lines uncompressed costs at best.
    (run / "ceiling").mkdir()
    args = [raw_total >> 20, chunk, window]
    ceil = _best_ceiling(rig, broker, args, run / "ceiling.json")
    work = _best_ceiling(rig, broker, args + [plain, run / "ceiling"], run / "work.json")
    rig.stop(broker.proc)

    note = ""
    if bad:
        note += " (a pull did not end in done)"
    if stored < total:
        note += f" (stored {stored:.0f} of {total} bytes)"
    if ceil[0] > 0 and work[0] > 0:
        ratio = f"{good / ceil[0]:.2f}x ceiling, {good / work[0]:.2f}x same work"
    else:
        ratio = "a ceiling run failed"
    split = ", ".join(f"{k} {v / raw_gib:.1f}" for k, v in cpu.items()) if raw_gib else "-"
    if corpus:
        ratio += (f"; zstd ratio {raw_total / total:.1f}:1, wire {total / raw_total:.3f} "
                  f"and disk {stored / raw_moved if raw_moved else 0:.3f} GiB per raw GiB")
        what = f"upload corpus (zstd), {chunk} KiB chunks, {agents} agent(s), {raw_total >> 20} MiB raw"
    else:
        what = f"upload {chunk} KiB chunks, {agents} agent(s), {total >> 20} MiB"
    rows.add(what,
             f"{good:.1f} MiB/s{' raw' if corpus else ''}, CPU {per_gib:.1f} s/GiB ({split})",
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
    for corpus in (False, True):
        for chunk in (64, 256):
            for agents in (1, 10):
                _one(rig, rows, folder, total_mib, chunk, agents, window, corpus)
