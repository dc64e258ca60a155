"""Benchmark: this checkout against an older one, in one run, on the same national batch of filled forms.

Measures what a user runs — `formkit read` (``read_many``, the CLI's path, isolation included where the
version has it) and `formkit ingest` into a fresh SQLite store (and PostgreSQL when FORMKIT_BENCH_PG or
FORMKIT_TEST_PG names a server) — once with the older source tree first on ``sys.path`` and once with
this one, each variant in its own process, alternating, so both see the same machine load.

    git worktree add /tmp/base 6988ac6
    python benchmarks/before_after.py --base-src /tmp/base/src [--units 300] [--pairs 600] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import filled_listing, national_parser, peak_mb  # noqa: E402

HERE_SRC = Path(__file__).resolve().parent.parent / "src"


def child_read(listing: str) -> dict:
    try:
        from formkit.intake.batch import read_many
    except ImportError:  # a version before the pipeline (read_many in read/)
        from formkit.read.batch import read_many

    paths = [Path(p) for p in Path(listing).read_text().splitlines()]
    start = time.perf_counter()
    unreadable = sum(not hasattr(r, "findings") for _p, r in read_many(paths))
    return {"files": len(paths), "seconds": time.perf_counter() - start, "unreadable": unreadable,
            "peak_mb": peak_mb()}


def child_ingest(url: str, originals: str, listing: str) -> dict:
    from formkit.intake.ingest import ingest
    from formkit.store import Store

    paths = [Path(p) for p in Path(listing).read_text().splitlines()]
    store = Store(url, originals)
    start = time.perf_counter()
    outcomes: dict[str, int] = {}
    for result in ingest(paths, store):
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    seconds = time.perf_counter() - start
    store.close()
    return {"files": len(paths), "seconds": seconds, "outcomes": outcomes, "peak_mb": peak_mb()}


def run(src: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--base-src", type=Path, help="the older checkout's src/ folder")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_read(*rest) if kind == "read" else child_ingest(*rest)))
        return
    if args.base_src is None:
        parser.error("--base-src is required")
    pg = os.environ.get("FORMKIT_BENCH_PG") or os.environ.get("FORMKIT_TEST_PG")
    variants = [("before", args.base_src.resolve()), ("now", HERE_SRC)]
    with tempfile.TemporaryDirectory(prefix="formkit-bench-") as tmp:
        _paths, listing = filled_listing(Path(tmp), args.units, args.pairs)
        best: dict[tuple[str, str], dict] = {}
        for round_ in range(args.rounds):
            for label, src in variants:
                figures = {"read": run(src, "read", str(listing))}
                targets = [("sqlite", f"sqlite:///{tmp}/{label}-{round_}.db")]
                if pg:
                    targets.append(("postgresql", _new_pg_db(pg)))
                for store_kind, url in targets:
                    figures[f"ingest {store_kind}"] = run(src, "ingest", url, f"{tmp}/orig-{label}-{round_}-{store_kind}",
                                                          str(listing))
                for what, r in figures.items():
                    key = (what, label)
                    if key not in best or r["seconds"] < best[key]["seconds"]:
                        best[key] = r
        for what in sorted({w for w, _ in best}):
            line = [f"{what:<18}"]
            for label, _src in variants:
                r = best[(what, label)]
                line.append(f"{label} {r['seconds']:.1f} s ({1000 * r['seconds'] / r['files']:.2f} ms/file, "
                            f"peak {r['peak_mb']:.0f} MB)")
            ratio = best[(what, "now")]["seconds"] / best[(what, "before")]["seconds"]
            print("  ".join(line) + f"  now/before {ratio:.2f}")
        if not pg:
            print("postgresql: skipped (set FORMKIT_BENCH_PG to a server URL)")


def _new_pg_db(base: str) -> str:
    from sqlalchemy import create_engine, text

    name = "fk_bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":
    main()
