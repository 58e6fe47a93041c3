# SPDX-License-Identifier: Apache-2.0
"""Starts and stops what a benchmark runs: mosquitto, peranda-master,
peranda-agent and the bench programs, each on free loopback ports with a
config written here, each stopped by its PID.

Works as tests/support (broker.cpp, child_process.cpp) does, in Python so
that the benchmarks need no test build: ready means a condition met within
a deadline, a process that exits during start-up is an error with its
log's tail. The broker differs from the tests' on purpose: no persistence
and no queue limit that a benchmark would hit.
"""
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .api import master_api
from .ports import listening, port_pool
from .wait import wait_for

_START_TIMEOUT = 30
_STOP_TIMEOUT = 30


class broker:
    def __init__(self, proc, port, log):
        self.proc, self.port, self.log = proc, port, log
        self.url = f"tcp://127.0.0.1:{port}"

    def has_client(self, client_id):
        """Whether mosquitto has logged `client_id` connecting (it flushes each line)."""
        try:
            return f" as {client_id} " in self.log.read_text(errors="replace")
        except FileNotFoundError:
            return False


class master:
    def __init__(self, proc, http_port):
        self.proc, self.http_port = proc, http_port
        self.api = master_api(http_port)


def log_tail(path, lines=5):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class rig:
    """Owns a work folder and every process started through it. Used as a
    context manager: on leaving, stops what is still running in reverse
    order of start (simulators and agents before masters before brokers)
    and removes the folder."""

    def __init__(self, build):
        self.bin = Path(build) / "bin"
        self.work = Path(tempfile.mkdtemp(prefix="peranda-bench."))
        self.ports = port_pool()
        self._procs = []  # (Popen, log path), in order of start

    def __enter__(self):
        return self

    def __exit__(self, *_):
        for proc, _ in reversed(self._procs[:]):
            self.stop(proc)
        shutil.rmtree(self.work, ignore_errors=True)

    def program(self, name):
        return str(self.bin / name)

    def start(self, argv, log, stdout=None, new_session=False):
        """Starts argv with stderr (and stdout unless given) into `log`."""
        log = Path(log)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as err:
            out = open(stdout, "wb") if stdout else err
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                        start_new_session=new_session)
            finally:
                if stdout:
                    out.close()
        self._procs.append((proc, log))
        return proc

    def forget(self, proc):
        self._procs = [(p, log) for p, log in self._procs if p is not proc]

    def stop(self, proc):
        """TERM, then KILL if it does not exit in time; reaps it and forgets
        it, so nothing ever signals a reused PID."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.forget(proc)

    def _log_of(self, proc):
        return next((log for p, log in self._procs if p is proc), None)

    def wait_ready(self, what, proc, condition, timeout=_START_TIMEOUT, interval=0.1):
        """wait_for, but fails at once, with its log's tail, if `proc` exits."""
        def ready():
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited ({proc.returncode}):\n{log_tail(self._log_of(proc))}")
            return condition()
        try:
            return wait_for(what, ready, timeout, interval)
        except TimeoutError as e:
            raise TimeoutError(f"{e}\n{log_tail(self._log_of(proc))}") from None

    def broker(self, folder, extra_lines=()):
        """mosquitto; `extra_lines` go at the end of its config (a bridge, say)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        port = self.ports.take()
        lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false",
                 "set_tcp_nodelay true", "max_queued_messages 100000", "max_connections -1",
                 f"log_dest file {folder / 'mosquitto.log'}"]
        if os.getuid() == 0:
            lines.append("user root")
        lines += extra_lines
        (folder / "mosquitto.conf").write_text("\n".join(lines) + "\n")
        proc = self.start(["mosquitto", "-c", str(folder / "mosquitto.conf")], folder / "stderr.log")
        self.wait_ready(f"mosquitto on port {port}", proc, lambda: listening(port))
        return broker(proc, port, folder / "mosquitto.log")

    def master(self, folder, broker_port, extra="", master_id="bench-master"):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        http = self.ports.take()
        (folder / "master.toml").write_text(
            f'[broker]\nurl = "tcp://127.0.0.1:{broker_port}"\n[master]\nid = "{master_id}"\n'
            f'data_dir = "{folder / "data"}"\nhttp_listen = "127.0.0.1:{http}"\n{extra}\n')
        proc = self.start([self.program("peranda-master"), "--config", str(folder / "master.toml"),
                           "--log-level", "warn"], folder / "master.log")
        self.wait_ready(f"peranda-master's HTTP on port {http}", proc, lambda: listening(http))
        return master(proc, http)

    def agent(self, folder, node, broker_port, extra=""):
        """Starts an agent (heartbeat every second); does not wait for it."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "agent.toml").write_text(
            f'[broker]\nurl = "tcp://127.0.0.1:{broker_port}"\n[agent]\nnode_id = "{node}"\n'
            f'ip = "127.0.0.1"\nspool_dir = "{folder / "spool"}"\nheartbeat_interval = "1s"\n{extra}\n')
        return self.start([self.program("peranda-agent"), "--config", str(folder / "agent.toml"),
                           "--log-level", "warn"], folder / "agent.log")


def has_open(pid, path):
    """Whether process `pid` holds `path` open."""
    target = str(path)
    fds = f"/proc/{pid}/fd"
    for fd in os.listdir(fds):
        try:
            if os.readlink(f"{fds}/{fd}") == target:
                return True
        except OSError:
            continue
    return False
