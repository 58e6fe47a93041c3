# SPDX-License-Identifier: Apache-2.0
"""The master's HTTP API and /metrics, as the benchmarks read them."""
import json
import urllib.request


def parse_metrics(text):
    """(name, {label: value}, value) of each sample of a Prometheus text page."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        name, _, labels = series.partition("{")
        pairs = {}
        for item in labels.rstrip("}").split(","):
            key, sep, val = item.partition("=")
            if sep:
                pairs[key.strip()] = val.strip().strip('"')
        samples.append((name, pairs, float(value)))
    return samples


def metric_values(samples, name):
    return [value for n, _, value in samples if n == name]


class master_api:
    def __init__(self, port):
        self._base = f"http://127.0.0.1:{port}"

    def _open(self, request):
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read().decode()

    def get(self, path):
        return json.loads(self._open(self._base + path))

    def metrics(self):
        return parse_metrics(self._open(self._base + "/metrics"))

    def request_pull(self, node):
        """Asks the master to pull `node` now; returns the pull's request id."""
        request = urllib.request.Request(
            f"{self._base}/api/v1/nodes/{node}/pull", data=b"", method="POST",
            headers={"X-Peranda-Request": "1"})
        return json.loads(self._open(request))["request_id"]

    def online_nodes(self):
        return sum(1 for n in self.get("/api/v1/nodes")["nodes"] if n.get("state") == "online")

    def pulls(self):
        return self.get("/api/v1/pulls")["pulls"]
