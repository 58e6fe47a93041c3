# SPDX-License-Identifier: Apache-2.0
"""The Results rows, and the part of docs/benchmarks.md they fill.

The harness writes only what lies between the two markers below; the
method and the findings around them are written by hand in the doc.
"""
import datetime
import os
import platform
import subprocess

BEGIN = "<!-- results: written by scripts/bench.sh, edits here are lost -->"
END = "<!-- end of results -->"
TABLE_HEAD = "| benchmark | peranda | baseline (same run) | notes |\n|---|---|---|---|"


class rows:
    """The table's rows, in the order measured; each is printed as it comes."""

    def __init__(self):
        self.lines = []

    def add(self, *cells):
        line = "|" + "".join(f" {c} |" for c in cells)
        self.lines.append(line)
        print(f"  {line}", flush=True)

    def table(self):
        return "\n".join([TABLE_HEAD] + self.lines)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _mosquitto_version():
    out = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout
    words = out.splitlines()[0].split() if out else []
    return words[2] if len(words) > 2 else "?"


def _cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.partition(": ")[2].strip()
    return "?"


def results_section(table, quick, load_before, load_after):
    """What goes between the markers: when, where, and the table."""
    run = "scripts/bench.sh --quick" if quick else "scripts/bench.sh"
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    return "\n".join([
        f"Measured by `{run}` on {today} (Release build,",
        f"mosquitto {_mosquitto_version()} with `set_tcp_nodelay true`, loopback only).",
        "",
        "## Machine",
        "",
        f"- CPUs: {os.cpu_count()} ({_cpu_model()})",
        f"- Kernel: {platform.release()}",
        f"- Load average before: {load_before}; after: {load_after}",
        "",
        "## Results",
        "",
        table,
    ])


def replace_results(doc, section):
    """`doc` with the text between the markers replaced by `section`."""
    start = doc.find(BEGIN)
    end = doc.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the doc has no '{BEGIN}' ... '{END}' markers")
    return doc[:start + len(BEGIN)] + "\n" + section + "\n" + doc[end:]


def write_results(path, section):
    with open(path) as f:
        doc = f.read()
    doc = replace_results(doc, section)
    with open(f"{path}.tmp", "w") as f:
        f.write(doc)
    os.replace(f"{path}.tmp", path)
