"""Benchmark: the web desk under load (issue 17). A national roster's 900 recipients (300 units' self-
assessments and 600 counties' feedback, filled as a person would; every tenth unit with an approximate amount
to correct) each return their form through their own link, ``--concurrency`` (50) at once, to ``formkit
serve`` on 127.0.0.1: SQLite with one worker, then PostgreSQL with two (``FORMKIT_BENCH_PG``, else
``FORMKIT_TEST_PG``). The store of each is made by ``formkit issue --db`` (which keeps what it issued and gives
every recipient a link: its links file is where the tokens come from), the server by ``formkit serve``.

Per recipient (asyncio and httpx2, of the test extra): its link's page is read (for the form's CSRF token),
the file posted, and the page its redirect leads to — the findings — read; the time until findings are shown
runs from the start of the POST to the end of that page. Afterwards the store is checked: one submission per
file, with the file's own sha256, none twice, every original there and the audit log sound (``Store.verify``),
one ``desk:upload`` event per file, the expected number with errors; and no response was an error.

Bounded: at most ``--timeout`` seconds (600) of uploads per backend; the server (its own process group) is
stopped whatever happens. The load average is printed with each run: the figures depend on what else runs.

    python benchmarks/desk_load.py [--units 300] [--pairs 600] [--concurrency 50] [--timeout 600] [--files DIR]
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import national_parser  # noqa: E402
from issue_forms import make_roster  # noqa: E402

YEAR = 2026
MISTAKE = {"funds": {0: {"invested_free": "约三百万"}}}  # an approximate amount: an error to correct
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
START_SECONDS = 60  # for the server to answer


def make_files(folder: Path, units: int, pairs: int) -> tuple[Path, dict[str, Path]]:
    """The roster and every recipient's filled form (recipient id → file), made in ``folder`` unless there."""
    listing = folder / "filled.json"
    if listing.is_file():
        known = {k: Path(v) for k, v in json.loads(listing.read_text()).items()}
        if len(known) == units + pairs and all(p.is_file() for p in known.values()):
            return folder / "roster", known
    from formkit.issue import issue_forms
    from formkit.roster import load_roster
    from formkit.simulate import fill_recipients

    start = time.perf_counter()
    roster = load_roster(make_roster(folder / "roster", units, pairs), YEAR)
    issued = issue_forms(roster, YEAR, folder / "issued")
    files = {(r.form, r.recipient_id): folder / "issued" / r.file for r in issued}
    edits = {u.id: MISTAKE for u in roster.units[::10]}
    filled = fill_recipients(roster, YEAR, files, folder / "filled", edits)
    listing.write_text(json.dumps({k: str(v) for k, v in filled.items()}))
    print(f"{len(filled)} filled forms made in {time.perf_counter() - start:.0f} s (not timed below)", flush=True)
    return folder / "roster", filled


def formkit(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "formkit.cli", *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, env=env, start_new_session=True, **kwargs)
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, **kwargs)


def issue_links(roster: Path, out: Path, env: dict) -> dict[str, str]:
    """``formkit issue`` into the store of ``env``: holder → the token of its link."""
    formkit("issue", "--roster", str(roster), "--year", str(YEAR), "--out", str(out), env=env)
    with open(out / "links" / "链接清单.csv", encoding="utf-8-sig") as f:
        return {row["接收方编号"]: row["填报链接"].rsplit("/", 1)[1] for row in csv.DictReader(f)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    import httpx2 as httpx  # the test extra's client (Starlette's TestClient uses it too)

    port = free_port()
    proc = formkit("serve", "--port", str(port), "--workers", str(workers), env=env, background=True,
                   stdout=subprocess.DEVNULL, stderr=log.open("w"))
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{address}/login", timeout=2).status_code == 200:
                return proc, address
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"formkit serve did not answer within {START_SECONDS} s:\n{log.read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (uvicorn and its workers), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue


async def upload_all(address: str, work: list[tuple[str, Path]], concurrency: int, timeout: float) -> dict:
    import httpx2 as httpx  # the test extra's client (Starlette's TestClient uses it too)

    gate = asyncio.Semaphore(concurrency)
    seconds: list[float] = []
    errors: list[str] = []
    corrections = 0

    async def one(client: httpx.AsyncClient, token: str, path: Path, data: bytes) -> None:
        nonlocal corrections
        async with gate:
            page = await client.get(f"/r/{token}")
            found = CSRF.search(page.text)
            if page.status_code != 200 or not found:
                errors.append(f"{path.name}: link page {page.status_code}")
                return
            start = time.perf_counter()
            sent = await client.post(f"/r/{token}/upload", data={"csrf": found.group(1)},
                                     files={"file": (path.name, data, DOCX)})
            shown = await client.get(sent.headers.get("location", "/")) if sent.status_code == 303 else sent
            took = time.perf_counter() - start
            if sent.status_code != 303 or shown.status_code != 200 or 'id="verdict"' not in shown.text:
                errors.append(f"{path.name}: upload {sent.status_code}, findings page {shown.status_code}")
                return
            seconds.append(took)
            corrections += "处需要修改" in shown.text

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=address, timeout=httpx.Timeout(timeout), limits=limits) as client:
        jobs = [one(client, token, path, path.read_bytes()) for token, path in work]
        start = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.gather(*jobs), timeout)
        except asyncio.TimeoutError:
            errors.append(f"stopped after {timeout:.0f} s")
        wall = time.perf_counter() - start
    return {"seconds": seconds, "errors": errors, "wall": wall, "with_errors_shown": corrections}


def check_store(url: str, originals: Path, files: list[Path]) -> dict:
    """What the store holds after the run, against the files sent."""
    from formkit.store import Store

    sent = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    with Store(url, originals, create=False) as store:
        subs = store.submissions(YEAR)
        problems = store.verify()
        uploads = [e for e in store.audit_events() if e["event"] == "desk:upload"]
    stored = [s.sha256 for s in subs]
    return {"submissions": len(subs), "distinct": len(set(stored)), "all_sent_stored": set(stored) == sent,
            "upload_events": len(uploads), "with_errors": sum(1 for s in subs if s.errors),
            "verify_problems": {k: len(v) for k, v in problems.items() if v}}


def run(label: str, url: str, workers: int, roster: Path, filled: dict[str, Path], args, tmp: Path) -> dict:
    env = {**os.environ, "FORMKIT_DB": url, "FORMKIT_ORIGINALS": str(tmp / f"originals-{label}")}
    tokens = issue_links(roster, tmp / f"issued-{label}", env)
    work = [(tokens[rid], path) for rid, path in sorted(filled.items())]
    proc, address = start_server(env, workers, tmp / f"serve-{label}.log")
    load = os.getloadavg()
    try:
        result = asyncio.run(upload_all(address, work, args.concurrency, args.timeout))
    finally:
        stop_server(proc)
    result["store"] = check_store(url, tmp / f"originals-{label}", [p for _t, p in work])
    result.update(label=label, workers=workers, files=len(work), load=load)
    return result


def report(r: dict, mistakes: int) -> bool:
    times = sorted(r["seconds"])
    store = r["store"]
    ok = (not r["errors"] and len(times) == r["files"] and store["submissions"] == store["distinct"] == r["files"]
          and store["all_sent_stored"] and store["upload_events"] == r["files"] and not store["verify_problems"]
          and store["with_errors"] == r["with_errors_shown"] == mistakes)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else float("nan")
    median = statistics.median(times) if times else float("nan")
    print(f"{r['label']:<10} workers {r['workers']}: {len(times)}/{r['files']} uploads in {r['wall']:.1f} s "
          f"({len(times) / r['wall']:.1f}/s); findings shown after median {median:.2f} s, 95th percentile {p95:.2f} s, "
          f"max {max(times, default=float('nan')):.2f} s; load average {r['load'][0]:.1f} at the start", flush=True)
    refused = ": " + "; ".join(r["errors"][:5]) if r["errors"] else ""
    print(f"{'':<10} store: {store}; error responses {len(r['errors'])}{refused}; {'OK' if ok else 'FAILED'}", flush=True)
    print(json.dumps({"label": r["label"], "workers": r["workers"], "files": r["files"], "done": len(times),
                      "wall": round(r["wall"], 2), "median": round(median, 3), "p95": round(p95, 3),
                      "errors": len(r["errors"]), "store": store, "load": r["load"], "ok": ok}, ensure_ascii=False))
    return ok


def main() -> None:
    parser = national_parser(__doc__)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=600, help="seconds of uploads per backend at most")
    parser.add_argument("--files", type=Path, help="keep the filled forms here and use them again")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one backend only")
    args = parser.parse_args()
    pg = os.environ.get("FORMKIT_BENCH_PG") or os.environ.get("FORMKIT_TEST_PG")
    ok = True
    with tempfile.TemporaryDirectory(prefix="formkit-desk-load-") as tmp:
        roster, filled = make_files(args.files or Path(tmp) / "files", args.units, args.pairs)
        mistakes = len(range(0, args.units, 10))
        if args.only != "postgresql":
            ok &= report(run("sqlite", f"sqlite:///{tmp}/desk.db", 1, roster, filled, args, Path(tmp)), mistakes)
        if args.only == "sqlite":
            pass
        elif not pg:
            print("postgresql: skipped (set FORMKIT_BENCH_PG to a server URL)")
        else:
            from sqlalchemy import create_engine, text

            name = "fk_desk_" + uuid.uuid4().hex[:8]
            admin = create_engine(pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name}"))
            try:
                url = pg.rsplit("/", 1)[0] + "/" + name
                ok &= report(run("postgresql", url, 2, roster, filled, args, Path(tmp)), mistakes)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                admin.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
