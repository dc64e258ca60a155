"""Benchmark: read back a national-size batch of filled forms (300 self-assessments, 600 county forms).

Prints ms per form and peak memory for `formkit read` (the library call, in one process) next to the floor
measured in the same run: unzip each file and lxml-parse its main part, nothing else. Each variant runs in
its own process, in rounds that alternate which goes first, so that both see the same load; each round
gives its ratio, by elapsed time and by CPU time (the CPU time is the steadier figure on a shared machine).
The filled forms are made first (issued, then typed into as a person would); that is not timed.
``--interleave`` also times both in one process, taking turns of 30 forms, in as many rounds: both then see
the same moments of the shared machine, and the ratio is steadier. ``--cli`` also times whole processes, in as
many rounds: the `formkit read --json` command over every file (start-up, isolated reading workers and output
included) against a process that does the floor. ``--profile N`` also prints the N functions of formkit's run
that take the most time of their own.

    python benchmarks/read_forms.py [--units 300] [--pairs 600] [--rounds 3] [--interleave] [--cli] [--profile 30]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
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

    start, cpu = time.perf_counter(), time.process_time()
    errors = sum(read_file(p).has_errors for p in paths)
    return {"documents": len(paths), "with_errors": errors, "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu}


def run_floor(paths: list[Path]) -> dict:
    import zipfile

    from lxml import etree

    start, cpu = time.perf_counter(), time.process_time()
    for p in paths:
        with zipfile.ZipFile(p) as zf:
            etree.fromstring(zf.read("word/document.xml"))
    return {"documents": len(paths), "with_errors": 0, "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu}


TURN = 30  # forms read by one variant before the other takes its turn (--interleave)


def run_interleaved(paths: list[Path]) -> dict:
    """Floor and formkit in one process, taking turns of :data:`TURN` forms (which goes first alternating),
    each turn's CPU time added to its variant's: both see the same moments of a shared machine, and the same
    warm process (each read a few forms before)."""
    from formkit.pipeline import read_file

    def formkit(batch: list[Path]) -> None:
        for p in batch:
            read_file(p)

    def floor(batch: list[Path]) -> None:
        import zipfile

        from lxml import etree

        for p in batch:
            with zipfile.ZipFile(p) as zf:
                etree.fromstring(zf.read("word/document.xml"))

    formkit(paths[:TURN])
    floor(paths[:TURN])
    cpu = {"formkit": 0.0, "floor": 0.0}
    for n, at in enumerate(range(0, len(paths), TURN)):
        batch = paths[at:at + TURN]
        for name, run in ((("formkit", formkit), ("floor", floor)) if n % 2 else (("floor", floor), ("formkit", formkit))):
            start = time.process_time()
            run(batch)
            cpu[name] += time.process_time() - start
    return {"documents": len(paths), "formkit_cpu": cpu["formkit"], "floor_cpu": cpu["floor"]}


def _interleaved(listing: Path, rounds: int) -> None:
    """:func:`run_interleaved` in a fresh process for each of ``rounds``; each round's ratio and the median."""
    ratios = []
    for n in range(rounds):
        r = run_child(__file__, "interleaved", "--list", str(listing))
        ratios.append(r["formkit_cpu"] / r["floor_cpu"])
        print(f"interleaved, round {n + 1}: floor {1000 * r['floor_cpu'] / r['documents']:.2f} ms/form of CPU, formkit "
              f"{1000 * r['formkit_cpu'] / r['documents']:.2f} ms/form: {ratios[-1]:.2f}×", flush=True)
    print(f"interleaved in one process (turns of {TURN} forms): formkit read takes {statistics.median(ratios):.2f}× "
          f"the floor's CPU time (median of {rounds} rounds, {min(ratios):.2f}–{max(ratios):.2f}×)")


def _rounds(listing: Path, rounds: int) -> None:
    """Floor and formkit, each in its own process, ``rounds`` times (alternating which goes first)."""
    ratios, cpu_ratios, best = [], [], {}
    for n in range(rounds):
        figures = {}
        for variant in ("floor", "formkit") if n % 2 == 0 else ("formkit", "floor"):
            figures[variant] = run_child(__file__, variant, "--list", str(listing))
        floor, formkit = figures["floor"], figures["formkit"]
        ratios.append(formkit["seconds"] / floor["seconds"])
        cpu_ratios.append(formkit["cpu"] / floor["cpu"])
        docs = formkit["documents"]
        print(f"round {n + 1}: floor {_ms(floor)}, formkit {_ms(formkit)} (peak {formkit['peak_mb']:.0f} MB, "
              f"floor {floor['peak_mb']:.0f} MB, {formkit['with_errors']} of {docs} with errors); "
              f"formkit/floor {ratios[-1]:.2f}× elapsed, {cpu_ratios[-1]:.2f}× CPU", flush=True)
        for variant, r in figures.items():
            if variant not in best or r["cpu"] < best[variant]["cpu"]:
                best[variant] = r
    print(f"formkit read takes {statistics.median(ratios):.2f}× the floor by elapsed time, "
          f"{statistics.median(cpu_ratios):.2f}× by CPU time (median of {rounds} rounds); best round: "
          f"floor {_ms(best['floor'])}, formkit {_ms(best['formkit'])}")


def _ms(r: dict) -> str:
    return f"{1000 * r['seconds'] / r['documents']:.2f} ms/form ({1000 * r['cpu'] / r['documents']:.2f} CPU)"


def _process(args: list[str]) -> dict:
    """Elapsed and CPU seconds of a whole process (its own children included) and the peak memory of the
    largest of them."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # 1: read, with errors in some forms
        raise SystemExit(f"{args[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds, "cpu": cpu, "peak_mb": after.ru_maxrss / 1024}


def _whole_processes(listing: Path, paths: list[Path], rounds: int) -> None:
    """`formkit read --json` over every file, against a process doing the floor, in ``rounds`` that alternate
    which goes first; and the command's start-up."""
    n, ratios = len(paths), []
    for i in range(rounds):
        runs = {}
        for which in (("cli", "floor") if i % 2 == 0 else ("floor", "cli")):
            runs[which] = _process([sys.executable, "-m", "formkit", "read", "--json", *map(str, paths)]
                                   if which == "cli" else
                                   [sys.executable, __file__, "--child", "floor", "--list", str(listing)])
        cli, floor = runs["cli"], runs["floor"]
        ratios.append((cli["seconds"] / floor["seconds"], cli["cpu"] / floor["cpu"]))
        print(f"whole process, round {i + 1}, {n} files: `formkit read --json` {cli['seconds']:.2f} s elapsed = "
              f"{1000 * cli['seconds'] / n:.2f} ms/file ({cli['cpu']:.2f} s CPU with its workers, largest process "
              f"{cli['peak_mb']:.0f} MB); floor process {floor['seconds']:.2f} s ({floor['cpu']:.2f} s CPU); "
              f"{ratios[-1][0]:.2f}× elapsed, {ratios[-1][1]:.2f}× CPU", flush=True)
    print(f"whole process: `formkit read --json` takes {statistics.median(r[0] for r in ratios):.2f}× the floor "
          f"process by elapsed time, {statistics.median(r[1] for r in ratios):.2f}× by CPU time (median of {rounds} "
          f"rounds; its reading workers use the machine's other cores, the floor one core)")
    start = _process([sys.executable, "-c", "import formkit.cli, formkit.intake.batch"])
    bare = _process([sys.executable, "-c", "pass"])
    print(f"start-up: importing the command and its reader {start['seconds'] - bare['seconds']:.2f} s "
          f"(Python itself {bare['seconds']:.2f} s)")


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="also time `formkit read` as a whole process")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--interleave", action="store_true",
                        help="also time both in one process, in turns of 30 forms (the steadier figure here)")
    parser.add_argument("--child", choices=["formkit", "floor", "interleaved"], help=argparse.SUPPRESS)
    parser.add_argument("--list", type=Path, help="read the files listed here (one path a line) instead of making them")
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        paths = [Path(p) for p in args.list.read_text().splitlines()]
        run = {"formkit": run_formkit, "floor": run_floor, "interleaved": run_interleaved}[args.child]
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
        if args.list:
            listing, paths = args.list, [Path(p) for p in args.list.read_text().splitlines()]
        else:
            paths, listing = filled_listing(Path(tmp), args.units, args.pairs)
        with open("/proc/loadavg") as fh:
            print(f"load average before: {' '.join(fh.read().split()[:3])}", flush=True)
        _rounds(listing, args.rounds)
        if args.interleave:
            _interleaved(listing, args.rounds)
        if args.cli:
            _whole_processes(listing, paths, args.rounds)
        if args.profile:  # a run of its own: the profiler's cost is not in the figures above
            import pstats

            stats = Path(tmp) / "formkit.prof"
            run_child(__file__, "formkit", "--list", str(listing), "--stats", str(stats))
            pstats.Stats(str(stats)).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
