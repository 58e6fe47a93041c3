# SPDX-License-Identifier: Apache-2.0
"""Loopback ports: free ones to hand out, and which ones are listening."""
import random

_TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
_LISTEN = "0A"


def parse_tcp_table(text):
    """(local port, state) of each socket in a /proc/net/tcp{,6} table."""
    sockets = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4:
            continue
        sockets.append((int(fields[1].rsplit(":", 1)[1], 16), fields[3]))
    return sockets


def _sockets():
    found = []
    for table in _TCP_TABLES:
        try:
            with open(table) as f:
                found += parse_tcp_table(f.read())
        except OSError:
            continue
    return found


def listening(port):
    return any(p == port and state == _LISTEN for p, state in _sockets())


def _ephemeral_low():
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        return int(f.read().split()[0])


class port_pool:
    """Hands out loopback ports below the kernel's ephemeral range (an
    outgoing connection could otherwise take one between this check and the
    bind), in no socket state (TIME_WAIT included), each at most once."""

    def __init__(self):
        low = _ephemeral_low()
        self._range = (10000, low) if low > 12000 else (20000, 30000)
        self._given = set()

    def take(self):
        busy = {p for p, _ in _sockets()}
        for _ in range(200):
            port = random.randrange(*self._range)
            if port not in self._given and port not in busy:
                self._given.add(port)
                return port
        raise RuntimeError("no free port")
