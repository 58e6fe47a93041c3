# SPDX-License-Identifier: Apache-2.0
"""python3 -m harness [--quick] [--only PART[,PART...]] [--no-doc] --build DIR --root DIR

Runs the parts asked for, in order, prints the Results table and (unless
--no-doc) writes it into docs/benchmarks.md between its markers.
"""
import argparse
import signal
import sys
from pathlib import Path

from . import alarm, footprint, peer, report, scale, upload
from .rig import rig

# Run in this order, whatever the order asked for.
PARTS = {"upload": upload, "alarm": alarm, "scale": scale, "footprint": footprint, "peer": peer}


def parse_parts(text):
    """`--only`'s value: a comma-separated subset of PARTS, run in PARTS' order."""
    asked = [p for p in text.split(",") if p]
    unknown = [p for p in asked if p not in PARTS]
    if unknown or not asked:
        raise argparse.ArgumentTypeError(
            f"unknown part(s) {', '.join(unknown) or '(none)'}; choose from {','.join(PARTS)}")
    return [p for p in PARTS if p in asked]


def _stop_on_signal(signum, _frame):
    # Leaves through the rig's __exit__, which stops everything by PID.
    raise SystemExit(128 + signum)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/bench.sh",
        description="peranda's benchmarks; docs/benchmarks.md says what each part measures.",
        epilog="scripts/bench.sh also takes --no-build: use build-bench/ as it is.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter windows")
    parser.add_argument("--only", type=parse_parts, default=list(PARTS), metavar="PART[,PART...]",
                        help=f"run only these of {','.join(PARTS)}")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    # Given by scripts/bench.sh: the build folder with bin/, the source tree.
    parser.add_argument("--build", type=Path, required=True, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, required=True, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)

    rows = report.rows()
    load_before = report.load_average()
    with rig(args.build) as r:
        for part in args.only:
            PARTS[part].run(r, rows, args)
    load_after = report.load_average()

    print(f"\n{rows.table()}\nload average before: {load_before}, after: {load_after}")
    if not args.no_doc:
        doc = args.root / "docs" / "benchmarks.md"
        section = report.results_section(rows.table(), args.quick, load_before, load_after)
        report.write_results(doc, section)
        print(f"wrote {doc}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, TimeoutError, OSError) as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
