# SPDX-License-Identifier: Apache-2.0
"""peranda next to rsyslog, the peer many users would pick for "logs of many
hosts into per-IP folders": one log file, tailed from its first line, until
every line is in the central store.

peranda: agent (file source, from_beginning) -> mosquitto -> master.
rsyslog: imfile -> omrelp (disk-assisted queue, RELP window 1024) ->
imrelp -> omfile with a per-IP dynaFile (`%FROMHOST-IP%`). Both rsyslogd
instances run with configs and work folders written here.
"""
import shutil
import subprocess
import time
from pathlib import Path

from . import procstat
from .ports import listening
from .wait import wait_for

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "loghub-2k"
_TIMEOUT_S = 900
_POLL_S = 0.5


def write_corpus(path, mib, corpus=CORPUS):
    """`mib` MiB of whole lines: the loghub logs over and over (blank lines
    and CRs dropped, as neither side stores them the same way), or, without
    the corpus, generated syslog-like text. Returns (lines, what it is)."""
    sources = sorted(corpus.glob("*.log")) if corpus.is_dir() else []
    lines = []
    for src in sources:
        lines += [ln for ln in src.read_bytes().replace(b"\r", b"").split(b"\n") if ln.strip()]
    what = f"loghub-2k ({len(sources)} logs) repeated"
    if not lines:
        what = "generated text (../shared/corpus/loghub-2k not found)"
        lines = [f"Dec  4 12:00:{i % 60:02d} host app[{i}]: request {i} served in {i % 97} ms "
                 f"status={200 + i % 5} bytes={i * 37 % 65536}".encode() for i in range(20000)]
    block = b"\n".join(lines) + b"\n"
    target, written, count = mib << 20, 0, 0
    with open(path, "wb") as f:
        while written < target:
            f.write(block)
            written += len(block)
            count += len(lines)
    return count, what


class line_counter:
    """Counts the lines of files that only grow (rsyslog) or appear whole
    (peranda: stored under their final name only when complete), reading
    each byte once."""

    def __init__(self, root, skip=lambda p: False):
        self.root, self.skip = Path(root), skip
        self.seen = {}  # path -> bytes already counted
        self.lines = 0

    def _count(self, path):
        if path.suffix == ".zst":
            if path in self.seen:
                return
            out = subprocess.run(["zstdcat", str(path)], capture_output=True, check=True).stdout
            self.lines += out.count(b"\n")
            self.seen[path] = path.stat().st_size
            return
        at = self.seen.get(path, 0)
        with open(path, "rb") as f:
            f.seek(at)
            data = f.read()
        # Only whole lines: a writer may be in the middle of one.
        whole = data.rfind(b"\n") + 1
        self.lines += data[:whole].count(b"\n")
        self.seen[path] = at + whole

    def count(self):
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*")):
                if path.is_file() and not path.name.startswith(".") and not self.skip(path):
                    self._count(path)
        return self.lines

    def disk_bytes(self):
        return sum(p.stat().st_size for p in self.seen)


def _measure(rig, what, sender, central, counter, expected):
    """Waits until `expected` lines are stored; -> dict of figures."""
    t0 = time.monotonic()
    wait_for(f"{what}: {expected} lines stored", lambda: counter.count() >= expected,
             _TIMEOUT_S, interval=_POLL_S)
    seconds = time.monotonic() - t0
    return {
        "seconds": seconds,
        "sender_cpu": sum(procstat.cpu_ticks(p.pid) for p in sender) / procstat.HZ,
        "central_cpu": sum(procstat.cpu_ticks(p.pid) for p in central) / procstat.HZ,
        "sender_rss": max(procstat.status_kib(p.pid, "VmHWM") for p in sender),
        "central_rss": max(procstat.status_kib(p.pid, "VmHWM") for p in central),
        "lines": counter.count(),
        "disk": counter.disk_bytes(),
    }


def _rsyslogd(rig, folder, config):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rsyslog.conf").write_text(config)
    return rig.start(["rsyslogd", "-n", "-f", str(folder / "rsyslog.conf"), "-i", str(folder / "pid")],
                     folder / "rsyslogd.log")


def _rsyslog(rig, folder, corpus):
    port = rig.ports.take()
    store = folder / "store"
    central = _rsyslogd(rig, folder / "central", f"""
global(workDirectory="{folder / 'central'}" maxMessageSize="64k")
module(load="imrelp")
input(type="imrelp" port="{port}" address="127.0.0.1")
template(name="perip" type="string" string="{store}/%FROMHOST-IP%/corpus.log")
template(name="line" type="string" string="%msg%\\n")
action(type="omfile" dynaFile="perip" template="line" asyncWriting="on" ioBufferSize="256k")
""")
    rig.wait_ready(f"rsyslog imrelp on port {port}", central, lambda: listening(port))
    sender = _rsyslogd(rig, folder / "sender", f"""
global(workDirectory="{folder / 'sender'}" maxMessageSize="64k")
module(load="imfile")
module(load="omrelp")
input(type="imfile" file="{corpus}" tag="corpus" freshStartTail="off")
action(type="omrelp" target="127.0.0.1" port="{port}" windowSize="1024"
       queue.type="LinkedList" queue.filename="forward" queue.saveOnShutdown="on"
       queue.maxDiskSpace="2g" action.resumeRetryCount="-1")
""")
    return sender, central, line_counter(store)


def _row(rows, name, f, expected, raw_gib):
    lost = expected - f["lines"]
    rows.add(f"peer: {name}",
             f"{f['seconds']:.1f} s; CPU {f['sender_cpu'] / raw_gib:.1f} s/GiB on the host "
             f"({f['sender_cpu']:.2f} s), {f['central_cpu'] / raw_gib:.1f} s/GiB central "
             f"({f['central_cpu']:.2f} s)",
             f"peak RSS host {procstat.mib(f['sender_rss'])} MiB, central {procstat.mib(f['central_rss'])} MiB",
             f"{f['lines']} of {expected} lines stored ({'none lost' if lost == 0 else f'{-lost} extra' if lost < 0 else f'{lost} lost'}), "
             f"{f['disk'] / 2**30 / raw_gib:.3f} GiB stored per raw GiB")


def run(rig, rows, options):
    mib = 64 if options.quick else 256
    folder = rig.work / "peer"
    folder.mkdir()
    corpus = folder / "corpus.log"
    expected, what = write_corpus(corpus, mib)
    raw_gib = corpus.stat().st_size / 2**30
    print(f"== peer: {corpus.stat().st_size >> 20} MiB of {what}, {expected} lines", flush=True)

    sender, central, counter = _rsyslog(rig, folder / "rsyslog", corpus)
    figures = _measure(rig, "rsyslog", [sender], [central], counter, expected)
    _row(rows, "rsyslog imfile -> RELP -> omfile", figures, expected, raw_gib)
    for proc in (sender, central):
        rig.stop(proc)

    broker = rig.broker(folder / "peranda" / "broker")
    master = rig.master(folder / "peranda" / "master", broker.port, 'pull_interval = "2s"')
    agent = rig.agent(folder / "peranda" / "agent", "bench-peer", broker.port,
                      f'[[source]]\ntype = "file"\nname = "corpus"\npath = "{corpus}"\n'
                      "from_beginning = true\n")
    counter = line_counter(folder / "peranda" / "master" / "data",
                           skip=lambda p: p.name.startswith("alarms"))
    figures = _measure(rig, "peranda", [agent], [master.proc, broker.proc], counter, expected)
    _row(rows, "peranda agent -> mosquitto -> master", figures, expected, raw_gib)
    for proc in (agent, master.proc, broker.proc):
        rig.stop(proc)
    shutil.rmtree(folder)
