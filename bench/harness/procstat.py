# SPDX-License-Identifier: Apache-2.0
"""CPU and memory figures of processes, from /proc."""
import os

HZ = os.sysconf("SC_CLK_TCK")


def parse_stat(text):
    """Fields of a /proc/PID/stat line, numbered as in proc(5): [1] is the pid.

    The command name (field 2) may hold spaces and parentheses, so the rest
    is split after its last ')'.
    """
    head, _, rest = text.rpartition(")")
    pid, _, comm = head.partition(" (")
    return [None, pid, comm] + rest.split()


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return parse_stat(f.read())


def cpu_ticks(pid):
    """utime + stime of one process, in clock ticks."""
    s = _stat(pid)
    return int(s[14]) + int(s[15])


def session_pids(sid):
    """The live processes of session `sid` (a process started with setsid)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if int(_stat(name)[6]) == sid:
                pids.append(int(name))
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
    return pids


def session_ticks(sid):
    """Own and reaped children's ticks, summed over the session's live processes."""
    total = 0
    for pid in session_pids(sid):
        try:
            s = _stat(pid)
        except OSError:
            continue
        total += sum(int(s[i]) for i in (14, 15, 16, 17))
    return total


def status_kib(pid, key):
    """A kB field of /proc/PID/status (VmRSS, VmHWM, RssAnon), 0 if absent."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name == key:
                    return int(value.split()[0])
    except OSError:
        pass
    return 0


def session_rss_kib(sid):
    return sum(status_kib(pid, "VmRSS") for pid in session_pids(sid))


def session_pss_kib(sid):
    """Proportional set size summed over a session: shared library pages are
    split between the processes that map them."""
    total = 0
    for pid in session_pids(sid):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def mib(kib):
    return f"{kib / 1024:.1f}"


def cpu_percent(ticks, seconds):
    """Share of one core, in %."""
    return 100 * ticks / HZ / seconds if seconds > 0 else 0.0
