# SPDX-License-Identifier: Apache-2.0
"""Alarm latency: a log line appended -> the alarm in the master's journal,
on an idle fleet and while 10 more agents upload corpus text."""
import json
import subprocess
import threading
import time

from .api import metric_values
from .peer import write_corpus
from .rig import has_open

_RATE = 100
_LOAD_AGENTS = 10
_LOAD_MIB_PER_S = 2  # appended to each load agent's file


def _feed(paths, block, stop):
    """Appends `block`'s lines to every file in `paths` at _LOAD_MIB_PER_S
    each until `stop` is set; returns nothing, counts in `stop.written`."""
    step = 64 << 10
    per_tick = max(_LOAD_MIB_PER_S * (1 << 20) // 10, step)
    files = [open(p, "ab") for p in paths]
    at, next_tick = 0, time.monotonic()
    while not stop.is_set():
        for f in files:
            done = 0
            while done < per_tick:
                piece = block[at:at + step]
                cut = piece.rfind(b"\n") + 1 or len(piece)  # whole lines only
                f.write(piece[:cut])
                at = (at + cut) % len(block)
                done += cut
            f.flush()
            stop.written += done
        next_tick += 0.1
        stop.wait(max(next_tick - time.monotonic(), 0))
    for f in files:
        f.close()


def _measure(rig, rows, folder, count, loaded):
    broker = rig.broker(folder / "broker")
    master = rig.master(folder / "master", broker.port,
                        f'pull_interval = "{"1s" if loaded else "1h"}"\nalarm_fsync = true')
    app_log = folder / "app.log"
    app_log.touch()
    agent = rig.agent(folder / "agent", "bench-alarm", broker.port,
                      f'[[source]]\ntype = "file"\nname = "app"\npath = "{app_log}"\n'
                      "rule_lines_per_second = 0\n"
                      "[[rule]]\nname = \"bench\"\npattern = 'BENCH-ALARM'\n"
                      'severity = "critical"\nsources = ["app"]')
    load, paths = [], []
    for a in range(_LOAD_AGENTS if loaded else 0):
        paths.append(folder / f"load{a}.log")
        paths[-1].touch()
        load.append(rig.agent(folder / f"load{a}", f"bench-load-{a}", broker.port,
                              f'[[source]]\ntype = "file"\nname = "load"\npath = "{paths[-1]}"\n'))
    rig.wait_ready("the agents online", agent,
                   lambda: master.api.online_nodes() >= 1 + len(load))
    # A new file source opens its file and starts at its end: lines written
    # before that would be skipped.
    rig.wait_ready("the agent following app.log", agent, lambda: has_open(agent.pid, app_log))
    for proc, path in zip(load, paths):
        rig.wait_ready("a load agent following its file", proc, lambda: has_open(proc.pid, path))
    stop = threading.Event()
    stop.written = 0
    feeder = None
    if loaded:
        corpus = folder / "corpus.log"
        write_corpus(corpus, 8)
        feeder = threading.Thread(target=_feed, args=(paths, corpus.read_bytes(), stop))
        feeder.start()
    stored0 = sum(metric_values(master.api.metrics(), "peranda_bytes_stored_total"))
    t0 = time.monotonic()
    answer = subprocess.run(
        [rig.program("bench_alarm_latency"), str(app_log),
         str(folder / "master" / "data" / "alarms.jsonl"), str(count), str(_RATE),
         str(count // _RATE + 60)],
        capture_output=True, text=True)
    seconds = time.monotonic() - t0
    stop.set()
    if feeder:
        feeder.join()
    stored = sum(metric_values(master.api.metrics(), "peranda_bytes_stored_total")) - stored0
    print(f"  {answer.stdout.strip()}", flush=True)
    try:
        out = json.loads(answer.stdout)
    except ValueError:
        raise RuntimeError(f"bench_alarm_latency printed no result: {answer.stderr.strip()}") from None
    # Compared with the goal: bench_mqtt_ceiling is a throughput tool, not a
    # latency baseline for the agent -> master path.
    during = "idle fleet"
    if loaded:
        during = (f"while {len(load)} agents upload: {stop.written / seconds / 1048576:.1f} MiB/s "
                  f"of corpus appended, {stored / seconds / 1048576:.2f} MiB/s stored (zstd)")
    rows.add(f"alarm latency, {out['received']}/{count} alarms at {_RATE}/s, {during}",
             f"p50 {out['p50_ms']:.2f} ms, p99 {out['p99_ms']:.2f} ms, max {out['max_ms']:.2f} ms",
             "goal p99 <= 10 ms", "alarm_fsync = true")
    for proc in [agent] + load + [master.proc, broker.proc]:
        rig.stop(proc)


def run(rig, rows, options):
    count = 300 if options.quick else 1000
    for loaded in (False, True):
        print(f"== alarm latency: {count} alarms at {_RATE}/s"
              f"{f', {_LOAD_AGENTS} agents uploading' if loaded else ''}", flush=True)
        _measure(rig, rows, rig.work / ("alarm-loaded" if loaded else "alarm"), count, loaded)
