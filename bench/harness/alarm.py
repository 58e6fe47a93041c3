# SPDX-License-Identifier: Apache-2.0
"""Alarm latency: a log line appended -> the alarm in the master's journal."""
import json
import subprocess

from .rig import has_open

_RATE = 100


def run(rig, rows, options):
    count = 300 if options.quick else 1000
    print(f"== alarm latency: {count} alarms at {_RATE}/s", flush=True)
    folder = rig.work / "alarm"
    broker = rig.broker(folder / "broker")
    master = rig.master(folder / "master", broker.port, 'pull_interval = "1h"\nalarm_fsync = true')
    app_log = folder / "app.log"
    app_log.touch()
    agent = rig.agent(folder / "agent", "bench-alarm", broker.port,
                      f'[[source]]\ntype = "file"\nname = "app"\npath = "{app_log}"\n'
                      "rule_lines_per_second = 0\n"
                      "[[rule]]\nname = \"bench\"\npattern = 'BENCH-ALARM'\n"
                      'severity = "critical"\nsources = ["app"]')
    rig.wait_ready("the alarm agent online", agent, lambda: master.api.online_nodes() >= 1)
    # A new file source opens its file and starts at its end: lines written
    # before that would be skipped.
    rig.wait_ready("the agent following app.log", agent, lambda: has_open(agent.pid, app_log))
    answer = subprocess.run(
        [rig.program("bench_alarm_latency"), str(app_log), str(folder / "master" / "data" / "alarms.jsonl"),
         str(count), str(_RATE), str(count // _RATE + 60)],
        capture_output=True, text=True)
    print(f"  {answer.stdout.strip()}", flush=True)
    try:
        out = json.loads(answer.stdout)
    except ValueError:
        raise RuntimeError(f"bench_alarm_latency printed no result: {answer.stderr.strip()}") from None
    # Compared with the goal: bench_mqtt_ceiling is a throughput tool, not a
    # latency baseline for the agent -> master path.
    rows.add(f"alarm latency, {out['received']}/{count} alarms at {_RATE}/s",
             f"p50 {out['p50_ms']:.2f} ms, p99 {out['p99_ms']:.2f} ms, max {out['max_ms']:.2f} ms",
             "goal p99 <= 10 ms", "alarm_fsync = true")
    rig.stop(agent)
    rig.stop(master.proc)
    rig.stop(broker.proc)
