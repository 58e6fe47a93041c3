# SPDX-License-Identifier: Apache-2.0
"""Waiting on conditions with deadlines, never for a fixed time."""
import subprocess
import time


def wait_for(what, condition, timeout, interval=0.1):
    """Polls condition() until it returns something true, which it returns.

    Raises TimeoutError naming `what` when `timeout` seconds pass first.
    Exceptions from condition() propagate (a process that died, say).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)


def runs_for(proc, seconds):
    """Lets `proc` run for a measurement window of `seconds`.

    Returns early only if it exits, so a process that dies mid-window is
    seen at once; the caller decides whether that is an error.
    Returns True if it was still running at the end.
    """
    try:
        proc.wait(timeout=max(seconds, 0))
        return False
    except subprocess.TimeoutExpired:
        return True
