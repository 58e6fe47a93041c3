# SPDX-License-Identifier: Apache-2.0
"""The two-master scale case's figures from bench_fleet_sim's requests log."""
import unittest

from harness import scale

LOG = """# start_monotonic_ms 5000
100 sim-00000 m1
120 sim-00001 m2
140 sim-00002 m1
60100 sim-00000 m1
60150 sim-00001 m2
61000 sim-00002 m1
70000 sim-00002 m2
71500 sim-00000 m2
""".splitlines()


class requests_log_test(unittest.TestCase):
    def test_the_start_and_each_request_are_read(self):
        start, requests = scale.read_requests_log(LOG)
        self.assertEqual(start, 5000)
        self.assertEqual(requests[0], (100, "sim-00000", "m1"))
        self.assertEqual(len(requests), 8)

    def test_a_line_cut_short_is_skipped(self):
        self.assertEqual(scale.read_requests_log(["12 sim-00000"]), (None, []))


class pull_lag_test(unittest.TestCase):
    def test_lag_is_the_interval_beyond_the_pull_interval_before_the_cut(self):
        _, requests = scale.read_requests_log(LOG)
        # 60000 and 60030 are early or on time (0), 60860 is 860 ms late;
        # the requests at and after 65000 are left out.
        self.assertEqual(sorted(scale.pull_lags_ms(requests, 60000, 65000)), [0, 30, 860])
        self.assertEqual(scale.percentile([0, 30, 860], 0.99), 30)
        self.assertEqual(scale.percentile([], 0.99), 0)


class overdue_test(unittest.TestCase):
    def test_each_node_is_due_an_interval_after_its_last_request_or_the_start(self):
        _, requests = scale.read_requests_log(LOG)
        # At 65000: sim-00000 last asked at 60100, sim-00002 at 61000 (not
        # yet due); sim-00001 at 60150; sim-00003 never: due at 1000 + 60000.
        nodes = ["sim-00000", "sim-00001", "sim-00002", "sim-00003"]
        self.assertEqual(scale.overdue_ms(requests, nodes, 65000, 60000, 1000), [0, 0, 0, 4000])
        # At 125000 the requests at 70000 and 71500 count for sim-00002 and sim-00000.
        self.assertEqual(scale.overdue_ms(requests, nodes, 125000, 60000, 1000), [0, 4850, 0, 64000])


class failover_test(unittest.TestCase):
    def test_every_node_last_asked_by_the_killed_master_counts(self):
        _, requests = scale.read_requests_log(LOG)
        took = scale.failover(requests, 65000, "m1", "m2")
        # sim-00000 and sim-00002 were m1's; m2 asked them 6500 and 5000 ms after.
        self.assertEqual(took, scale.takeover(owned=2, taken=2, all_ms=6500, p50_ms=5000))

    def test_not_done_while_one_is_left(self):
        _, requests = scale.read_requests_log(LOG[:-1])
        took = scale.failover(requests, 65000, "m1", "m2")
        self.assertEqual((took.owned, took.taken, took.all_ms), (2, 1, None))

    def test_a_request_of_the_killed_master_after_the_kill_does_not_count(self):
        requests = [(10, "a", "m1"), (20, "a", "m1"), (30, "a", "m2")]
        self.assertEqual(scale.failover(requests, 15, "m1", "m2").all_ms, 15)


if __name__ == "__main__":
    unittest.main()
