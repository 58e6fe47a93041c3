# SPDX-License-Identifier: Apache-2.0
"""Agent footprint: an idle agent with deploy/agent.toml's collectors, next
to a bare Paho client, zabbix_agentd and prometheus-node-exporter."""
import re
import shutil
import time
import tomllib

from . import procstat
from .ports import listening
from .wait import runs_for

# Start-up (first collector runs, zabbix forking its workers) is not idle.
_SETTLE_TIMEOUT_S = 60
# zabbix_agentd's processes with this many listeners: main, collector,
# listeners (no active checks).
_ZABBIX_LISTENERS = 3
_ZABBIX_PROCESSES = 2 + _ZABBIX_LISTENERS


def agent_config(shipped, broker_url, spool_dir, node):
    """deploy/agent.toml as shipped, pointed at the bench's broker and spool."""
    text = re.sub(r"(?m)^url = .*", lambda _: f'url = "{broker_url}"', shipped)
    text = re.sub(r"(?m)^spool_dir = .*", lambda _: f'spool_dir = "{spool_dir}"', text)
    return re.sub(r"(?m)^# node_id = .*", lambda _: f'node_id = "{node}"', text)


def exec_sources(config_text):
    return [s["name"] for s in tomllib.loads(config_text).get("source", []) if s.get("type") == "exec"]


def spooled_sources(spool_dir):
    """Sources with a record (`<stamp> <source> <text>`) in the spool."""
    seen = set()
    for path in spool_dir.rglob("*.log"):
        try:
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split(" ", 2)
                if len(parts) > 1:
                    seen.add(parts[1])
        except OSError:
            continue
    return seen


def run(rig, rows, options):
    root = options.root
    duration = 20 if options.quick else 60
    print(f"== footprint: {duration} s idle, all three at once", flush=True)
    folder = rig.work / "footprint"
    broker = rig.broker(folder / "broker")
    agent_dir = folder / "agent"
    agent_dir.mkdir()
    # Relative collector commands resolve against the config's folder.
    (agent_dir / "collectors").symlink_to(root / "deploy" / "collectors")
    config = agent_config((root / "deploy" / "agent.toml").read_text(), broker.url,
                          agent_dir / "spool", "bench-idle")
    (agent_dir / "agent.toml").write_text(config)
    agent = rig.start([rig.program("peranda-agent"), "--config", str(agent_dir / "agent.toml"),
                       "--log-level", "warn"], agent_dir / "agent.log", new_session=True)
    zabbix = node_exporter = None
    zport = nport = None
    if shutil.which("zabbix_agentd"):
        zport = rig.ports.take()
        zdir = folder / "zabbix"
        zdir.mkdir()
        (zdir / "zabbix_agentd.conf").write_text(
            f"ListenIP=127.0.0.1\nListenPort={zport}\nServer=127.0.0.1\nServerActive=\n"
            f"StartAgents={_ZABBIX_LISTENERS}\nHostname=bench\nLogType=file\n"
            f"LogFile={zdir / 'zabbix.log'}\nPidFile={zdir / 'zabbix.pid'}\nAllowRoot=1\n")
        zabbix = rig.start(["zabbix_agentd", "-f", "-c", str(zdir / "zabbix_agentd.conf")],
                           zdir / "stderr.log", new_session=True)
    if shutil.which("prometheus-node-exporter"):
        nport = rig.ports.take()
        node_exporter = rig.start(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{nport}"],
                                  folder / "node_exporter.log", new_session=True)
    floor = rig.start([rig.program("bench_paho_floor"), broker.url], folder / "floor.log",
                      new_session=True)

    collectors = set(exec_sources(config))
    rig.wait_ready("the idle agent connected, every collector run once and none running", agent,
                   lambda: broker.has_client("bench-idle")
                   and collectors <= spooled_sources(agent_dir / "spool")
                   and len(procstat.session_pids(agent.pid)) == 1,
                   _SETTLE_TIMEOUT_S)
    rig.wait_ready("bench_paho_floor connected", floor, lambda: broker.has_client("paho-floor"))
    if zabbix:
        rig.wait_ready("zabbix_agentd listening with its workers", zabbix,
                       lambda: listening(zport)
                       and len(procstat.session_pids(zabbix.pid)) >= _ZABBIX_PROCESSES,
                       _SETTLE_TIMEOUT_S)
    if node_exporter:
        rig.wait_ready("prometheus-node-exporter listening", node_exporter, lambda: listening(nport))

    others = [p for p in (floor, zabbix, node_exporter) if p]
    t0 = time.monotonic()
    before = {p.pid: procstat.session_ticks(p.pid) for p in [agent] + others}
    if not runs_for(agent, duration):
        raise RuntimeError(f"the agent exited ({agent.returncode}) while idle")
    elapsed = time.monotonic() - t0

    def pct(proc):
        return f"{procstat.cpu_percent(procstat.session_ticks(proc.pid) - before[proc.pid], elapsed):.2f}"

    mib, status = procstat.mib, procstat.status_kib
    a = agent.pid
    rows.add("peranda-agent idle (deploy/agent.toml collectors)",
             f"RSS {mib(status(a, 'VmRSS'))} MiB (peak {mib(status(a, 'VmHWM'))} MiB; "
             f"private {mib(status(a, 'RssAnon'))} MiB, PSS {mib(procstat.session_pss_kib(a))} MiB)",
             f"CPU {pct(agent)} % incl. collector runs", "1 process")
    f = floor.pid
    rows.add("bare Paho C++ client, connected (floor)",
             f"RSS {mib(status(f, 'VmRSS'))} MiB (private {mib(status(f, 'RssAnon'))} MiB, "
             f"PSS {mib(procstat.session_pss_kib(f))} MiB)",
             f"CPU {pct(floor)} %", "bench_paho_floor: connects, subscribes, waits")
    if zabbix:
        z = zabbix.pid
        rows.add("zabbix_agentd -f (baseline)",
                 f"RSS {mib(procstat.session_rss_kib(z))} MiB (PSS {mib(procstat.session_pss_kib(z))} MiB)",
                 f"CPU {pct(zabbix)} %", f"{len(procstat.session_pids(z))} processes")
    if node_exporter:
        n = node_exporter.pid
        rows.add("prometheus-node-exporter (baseline)",
                 f"RSS {mib(procstat.session_rss_kib(n))} MiB (PSS {mib(procstat.session_pss_kib(n))} MiB)",
                 f"CPU {pct(node_exporter)} %", "not scraped")
    for p in [agent] + others:
        rig.stop(p)
    rig.stop(broker.proc)
