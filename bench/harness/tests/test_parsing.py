# SPDX-License-Identifier: Apache-2.0
"""The harness's parsing helpers; nothing here starts a process or times anything."""
import argparse
import unittest

from harness import api, footprint, ports, procstat, report, scale
from harness.__main__ import parse_parts


class stat_test(unittest.TestCase):
    def test_a_command_name_with_spaces_and_parentheses_keeps_the_fields_numbered(self):
        line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 5 0 0"
        fields = procstat.parse_stat(line)
        self.assertEqual(fields[1], "4242")
        self.assertEqual(fields[2], "a (b) c")
        self.assertEqual(fields[3], "S")
        self.assertEqual(fields[6], "4242")  # session
        self.assertEqual([fields[i] for i in (14, 15, 16, 17)], ["7", "3", "2", "1"])


class metrics_test(unittest.TestCase):
    PAGE = """# HELP peranda_nodes nodes by state
peranda_nodes{state="online"} 9990
peranda_nodes{state="offline"} 10
peranda_queue_length{queue="0"} 5000
peranda_queue_length{queue="1"} 5000
peranda_pull_lag_seconds{queue="0"} 2.889
peranda_pull_lag_seconds{queue="1"} 0
peranda_transfers_rejected_total{reason="too_many_transfers"} 3
peranda_transfers_rejected_total{reason="no_open_pull"} 0
peranda_bytes_stored_total 283115520
"""

    def test_samples_keep_names_labels_and_values(self):
        samples = api.parse_metrics(self.PAGE)
        self.assertIn(("peranda_nodes", {"state": "online"}, 9990.0), samples)
        self.assertEqual(api.metric_values(samples, "peranda_bytes_stored_total"), [283115520.0])

    def test_the_scale_row_summarizes_them_as_bench_sh_did(self):
        self.assertEqual(scale.summarize_metrics(api.parse_metrics(self.PAGE)),
                         ("10000", "5000/5000", "2.889", "too_many_transfers 3"))

    def test_no_rejects_and_no_page_read_as_none(self):
        self.assertEqual(scale.summarize_metrics([]), ("0", "", "0", "none"))


class ports_test(unittest.TestCase):
    def test_local_ports_and_states_come_from_the_table(self):
        table = ("  sl  local_address rem_address   st tx_queue rx_queue\n"
                 "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000\n"
                 "   1: 0100007F:A2C4 0100007F:1F90 06 00000000:00000000\n")
        self.assertEqual(ports.parse_tcp_table(table), [(8080, "0A"), (41668, "06")])


class report_test(unittest.TestCase):
    def test_only_the_text_between_the_markers_is_replaced(self):
        doc = f"# B\n\nhand\n{report.BEGIN}\nold rows\n{report.END}\n\n## Method\nhand too\n"
        self.assertEqual(report.replace_results(doc, "new rows"),
                         f"# B\n\nhand\n{report.BEGIN}\nnew rows\n{report.END}\n\n## Method\nhand too\n")

    def test_a_doc_without_markers_is_refused(self):
        with self.assertRaises(ValueError):
            report.replace_results("# B\n## Results\n", "rows")

    def test_rows_are_markdown_table_lines(self):
        rows = report.rows()
        rows.add("a", "b c", "d", "e")
        self.assertEqual(rows.table().splitlines()[-1], "| a | b c | d | e |")


class options_test(unittest.TestCase):
    def test_parts_run_in_their_fixed_order(self):
        self.assertEqual(parse_parts("footprint,upload"), ["upload", "footprint"])

    def test_an_unknown_part_is_refused(self):
        with self.assertRaises(argparse.ArgumentTypeError):
            parse_parts("upload,speed")


class footprint_config_test(unittest.TestCase):
    SHIPPED = ('[broker]\nurl = "tcp://127.0.0.1:1883"\n[agent]\n# node_id = "web-01"\n'
               'spool_dir = "/var/lib/peranda/spool"\n'
               '[[source]]\ntype = "exec"\nname = "cpu"\ncommand = ["collectors/cpu.sh"]\n'
               '[[source]]\ntype = "journal"\nname = "journal"\n')

    def test_the_shipped_config_is_pointed_at_the_bench(self):
        text = footprint.agent_config(self.SHIPPED, "tcp://127.0.0.1:5", "/tmp/s", "bench-idle")
        self.assertIn('url = "tcp://127.0.0.1:5"', text)
        self.assertIn('spool_dir = "/tmp/s"', text)
        self.assertIn('node_id = "bench-idle"', text)
        self.assertEqual(footprint.exec_sources(text), ["cpu"])


if __name__ == "__main__":
    unittest.main()
