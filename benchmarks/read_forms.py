"""Benchmark: read back a national-size batch of filled forms (300 self-assessments, 600 county forms).

Prints forms per second and peak memory for `formkit read` (the library call) next to the floor measured
in the same run: unzip each file and lxml-parse its main part, nothing else. Each variant runs in its own
process. The filled forms are made first (issued, then typed into as a person would); that is not timed.
``--profile N`` also prints the N functions of formkit's run that take the most time of their own.

    python benchmarks/read_forms.py [--units 300] [--pairs 600] [--profile 30]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import filled_listing, national_parser, peak_mb, run_child  # noqa: E402
from issue_forms import make_roster  # noqa: E402


def make_filled(folder: Path, units: int, pairs: int) -> list[Path]:
    from formkit.issue import issue_forms
    from formkit.roster import load_roster
    from formkit.simulate import fill_recipients

    roster = load_roster(make_roster(folder / "roster", units, pairs), 2026)
    issued = issue_forms(roster, 2026, folder / "issued")
    files = {(r.form, r.recipient_id): folder / "issued" / r.file for r in issued}
    return sorted(fill_recipients(roster, 2026, files, folder / "filled").values())


def run_formkit(paths: list[Path]) -> dict:
    from formkit.pipeline import read_file

    start = time.perf_counter()
    errors = sum(read_file(p).has_errors for p in paths)
    return {"documents": len(paths), "with_errors": errors, "seconds": time.perf_counter() - start}


def run_floor(paths: list[Path]) -> dict:
    import zipfile

    from lxml import etree

    start = time.perf_counter()
    for p in paths:
        with zipfile.ZipFile(p) as zf:
            etree.fromstring(zf.read("word/document.xml"))
    return {"documents": len(paths), "with_errors": 0, "seconds": time.perf_counter() - start}


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--child", choices=["formkit", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--list", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        paths = [Path(p) for p in args.list.read_text().splitlines()]
        run = {"formkit": run_formkit, "floor": run_floor}[args.child]
        if args.stats:
            import cProfile

            with cProfile.Profile() as profile:
                result = run(paths)
            profile.dump_stats(args.stats)
        else:
            result = run(paths)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="formkit-bench-") as tmp:
        paths, listing = filled_listing(Path(tmp), args.units, args.pairs)
        figures = {}
        for variant in ("floor", "formkit"):
            figures[variant] = r = run_child(__file__, variant, "--list", str(listing))
            print(f"{variant:<8} {r['documents']} documents in {r['seconds']:.2f} s = "
                  f"{r['documents'] / r['seconds']:.0f} forms/s, {1000 * r['seconds'] / r['documents']:.2f} ms/form, "
                  f"peak {r['peak_mb']:.0f} MB" + (f", {r['with_errors']} with errors" if variant == "formkit" else ""))
        print(f"formkit read takes {figures['formkit']['seconds'] / figures['floor']['seconds']:.1f}× the floor")
        if args.profile:  # a run of its own: the profiler's cost is not in the figures above
            import pstats

            stats = Path(tmp) / "formkit.prof"
            run_child(__file__, "formkit", "--list", str(listing), "--stats", str(stats))
            pstats.Stats(str(stats)).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
