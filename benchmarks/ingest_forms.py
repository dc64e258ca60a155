"""Benchmark: ingest a national-size batch (300 self-assessments + 600 county forms, filled as a person
would) into a fresh store, on SQLite and on PostgreSQL (when FORMKIT_BENCH_PG or FORMKIT_TEST_PG gives a
server), against its floor in the same run: `formkit read` of the same files (ingest reads them the same way,
then keeps the originals and records them). Prints files per second, the ratio to reading, peak memory of the
process (and of its reading workers: the highest, and the file read when it was reached), and the CPU time of it
all (the process, its reading workers and, on PostgreSQL, the server processes serving it), which other load
on the machine disturbs less than the time taken. Each measurement runs in a fresh process, ``--rounds`` times
in turn (every round is printed with the load average of the minute before it); the best of each is shown.
``--files DIR`` keeps the filled forms in DIR and uses them again on the next run (making them takes longer than
measuring).

    python benchmarks/ingest_forms.py [--units 300] [--pairs 600] [--rounds 2] [--files DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import filled_listing, national_parser, peak_mb, run_child  # noqa: E402


def child(url: str, originals: str, listing: str) -> None:
    from formkit.intake.batch import read_many
    from formkit.intake.ingest import ingest
    from formkit.intake.worker import _stop_workers
    from formkit.store import Store

    files = [Path(p) for p in Path(listing).read_text().splitlines()]
    outcomes: dict[str, int] = {}
    worker = {"peak": 0.0, "at": None, "starts": 0}
    server = 0.0
    if url == "read":  # the floor: `formkit read` of the same files
        before = _cpu()
        start = time.perf_counter()
        for path, result in read_many(files):
            kind = "read" if hasattr(result, "findings") else "unreadable"
            outcomes[kind] = outcomes.get(kind, 0) + 1
            _workers_peak(worker, path.name)
    else:
        store = Store(url, originals)
        backends = _backends(store)
        before, server = _cpu(), -sum(map(_cpu_of, backends))
        start = time.perf_counter()
        for result in ingest(files, store):
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            _workers_peak(worker, result.file)
        server += sum(map(_cpu_of, _backends(store) | backends))
        store.close()
    seconds = time.perf_counter() - start
    _stop_workers()  # reaped: their time counts among this process's children
    print(json.dumps({"files": len(files), "seconds": seconds, "outcomes": outcomes, "peak_mb": peak_mb(),
                      "worker_peak_mb": worker["peak"], "worker_peak_at": worker["at"],
                      "worker_starts": worker["starts"], "cpu": _cpu() - before + server}))


def _cpu() -> float:
    """CPU seconds of this process and of its children reaped so far (the reading workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _backends(store) -> set[int]:
    """The PostgreSQL server processes serving this store's database (on this machine: their CPU counts)."""
    if store.engine.dialect.name != "postgresql":
        return set()
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return set(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars())


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _workers_peak(seen: dict, file: str) -> None:
    """The highest peak of the reading workers alive now, and the file just handed on when it was reached."""
    from formkit.intake.worker import _WORKERS

    workers = [w for w in list(_WORKERS.values()) if w.proc is not None and w.proc.is_alive()]
    seen["starts"] = max(seen["starts"], sum(w.starts for w in _WORKERS.values()))
    peak = max((peak_mb(str(w.proc.pid)) for w in workers), default=0.0)
    if peak > seen["peak"]:
        seen["peak"], seen["at"] = peak, Path(file).name


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--files", type=Path, help="keep the filled forms here and use them again")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    pg = os.environ.get("FORMKIT_BENCH_PG") or os.environ.get("FORMKIT_TEST_PG")
    from sqlalchemy import create_engine, text

    with tempfile.TemporaryDirectory(prefix="formkit-bench-") as tmp:
        listing = _listing(args.files or Path(tmp), args.units, args.pairs)
        admin = create_engine(pg, isolation_level="AUTOCOMMIT") if pg else None
        if not pg:
            print("postgresql: skipped (set FORMKIT_BENCH_PG to a server URL)")
        best: dict[str, dict] = {}
        ratios: dict[str, list[float]] = {}  # each round's ingest time over that round's reading
        floor: dict = {}
        for round_ in range(args.rounds):  # in turn, so every measurement sees the same machine load
            for label in ("read", "sqlite", *(["postgresql"] if pg else [])):
                if label == "postgresql":
                    name = "fk_bench_" + uuid.uuid4().hex[:8]
                    with admin.connect() as conn:
                        conn.execute(text(f"CREATE DATABASE {name}"))
                    url = pg.rsplit("/", 1)[0] + "/" + name
                else:
                    url = "read" if label == "read" else f"sqlite:///{tmp}/bench-{round_}.db"
                load = os.getloadavg()[0]
                r = run_child(__file__, url, f"{tmp}/originals-{label}-{round_}", str(listing))
                r["load"] = load
                floor = r if label == "read" else floor  # read comes first in every round
                _print(label, r, round_, floor)
                ratios.setdefault(label, []).append(r["seconds"] / floor["seconds"])
                if label == "postgresql":
                    with admin.connect() as conn:
                        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                if label not in best or r["seconds"] < best[label]["seconds"]:
                    best[label] = r
        print("best of each:")
        for label, r in best.items():
            _print(label, r, None, best["read"])
        for label, each in ratios.items():
            if label != "read":
                print(f"{label}: ingest / reading of the same round, median {statistics.median(each):.2f}× "
                      f"(rounds: {', '.join(f'{x:.2f}' for x in each)})")
        if admin is not None:
            admin.dispose()


def _print(label: str, r: dict, round_: int | None, floor: dict | None = None) -> None:
    ratio = f", {r['seconds'] / floor['seconds']:.2f}× reading (CPU {r['cpu'] / floor['cpu']:.2f}×)" \
        if floor and label != "read" else ""
    worker = f" (reading workers {r['worker_peak_mb']:.0f} MB, at {r['worker_peak_at']}, {r['worker_starts']} started)" \
        if r["worker_peak_mb"] else ""
    when = f"round {round_ + 1}: " if round_ is not None else ""
    print(f"{when}{label:<10} {r['files']} files in {r['seconds']:.2f} s = {r['files'] / r['seconds']:.0f} files/s, "
          f"{1000 * r['seconds'] / r['files']:.2f} ms/file, CPU {r['cpu']:.2f} s{ratio}, peak {r['peak_mb']:.0f} MB{worker}; "
          f"load {r['load']:.1f}; outcomes {r['outcomes']}", flush=True)


def _listing(folder: Path, units: int, pairs: int) -> Path:
    """The file listing the filled forms in ``folder``, made there unless a listing of that size is there."""
    listing = folder / "files.txt"
    if listing.is_file() and len(listing.read_text().splitlines()) == units + pairs and \
            all(Path(p).is_file() for p in listing.read_text().splitlines()):
        return listing
    folder.mkdir(parents=True, exist_ok=True)
    return filled_listing(folder, units, pairs)[1]


if __name__ == "__main__":
    main()
