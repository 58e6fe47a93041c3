# SPDX-License-Identifier: Apache-2.0
"""The peer part's corpus writer and line counter, on files in a temporary folder."""
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import peer


class line_counter_test(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.root = Path(self.folder.name)

    def tearDown(self):
        self.folder.cleanup()

    def test_a_growing_file_is_counted_in_whole_lines_and_each_byte_once(self):
        log = self.root / "127.0.0.1" / "corpus.log"
        log.parent.mkdir()
        log.write_bytes(b"one\ntwo\nthr")
        counter = peer.line_counter(self.root)
        self.assertEqual(counter.count(), 2)
        with open(log, "ab") as f:
            f.write(b"ee\nfour\n")
        self.assertEqual(counter.count(), 4)
        self.assertEqual(counter.count(), 4)

    def test_hidden_and_skipped_files_are_not_counted_and_zst_is_read_once(self):
        (self.root / ".x.part").write_bytes(b"a\nb\n")
        (self.root / "alarms.jsonl").write_bytes(b"{}\n")
        plain = self.root / "f.log"
        plain.write_bytes(b"a\nb\nc\n")
        subprocess.run(["zstd", "-q", "--rm", str(plain)], check=True)
        counter = peer.line_counter(self.root, skip=lambda p: p.name.startswith("alarms"))
        self.assertEqual(counter.count(), 3)
        self.assertEqual(counter.count(), 3)

    def test_the_corpus_is_whole_lines_counted_as_written(self):
        out = self.root / "corpus.log"
        lines, what = peer.write_corpus(out, 1, corpus=self.root / "none")
        self.assertIn("generated", what)
        data = out.read_bytes()
        self.assertGreaterEqual(len(data), 1 << 20)
        self.assertTrue(data.endswith(b"\n"))
        self.assertEqual(data.count(b"\n"), lines)
        self.assertNotIn(b"\n\n", data)


if __name__ == "__main__":
    unittest.main()
