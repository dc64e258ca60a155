"""Benchmark: ingest a national-size batch (300 self-assessments + 600 county forms, filled as a person
would) into a fresh store, on SQLite and on PostgreSQL (when FORMKIT_BENCH_PG or FORMKIT_TEST_PG gives a
server). Prints files per second and peak memory of the ingesting process (its reading worker included).

    python benchmarks/ingest_forms.py [--units 300] [--pairs 600]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import filled_listing, national_parser, peak_mb, run_child  # noqa: E402


def child(url: str, originals: str, listing: str) -> None:
    from formkit.intake.ingest import ingest
    from formkit.intake.worker import _WORKERS
    from formkit.store import Store

    files = [Path(p) for p in Path(listing).read_text().splitlines()]
    store = Store(url, originals)
    start = time.perf_counter()
    outcomes: dict[str, int] = {}
    worker_peak = 0.0
    for result in ingest(files, store):
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        for worker in _WORKERS.values():
            if worker.proc is not None and worker.proc.is_alive():
                worker_peak = max(worker_peak, peak_mb(str(worker.proc.pid)))
    seconds = time.perf_counter() - start
    print(json.dumps({"files": len(files), "seconds": seconds, "outcomes": outcomes, "peak_mb": peak_mb(),
                      "worker_peak_mb": worker_peak}))


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    pg = os.environ.get("FORMKIT_BENCH_PG") or os.environ.get("FORMKIT_TEST_PG")
    with tempfile.TemporaryDirectory(prefix="formkit-bench-") as tmp:
        paths, listing = filled_listing(Path(tmp), args.units, args.pairs)
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        admin = None
        if pg:
            from sqlalchemy import create_engine, text

            name = "fk_bench_" + uuid.uuid4().hex[:8]
            admin = create_engine(pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name}"))
            targets.append(("postgresql", pg.rsplit("/", 1)[0] + "/" + name))
        else:
            print("postgresql: skipped (set FORMKIT_BENCH_PG to a server URL)")
        for label, url in targets:
            r = run_child(__file__, url, f"{tmp}/originals-{label}", str(listing))
            print(f"{label:<10} {r['files']} files in {r['seconds']:.1f} s = {r['files'] / r['seconds']:.0f} files/s, "
                  f"{1000 * r['seconds'] / r['files']:.1f} ms/file, peak {r['peak_mb']:.0f} MB "
                  f"(reading worker {r['worker_peak_mb']:.0f} MB); outcomes {r['outcomes']}")
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
