from __future__ import annotations

import os
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from formkit.issue import issue_forms
from formkit.resources import samples_dir
from formkit.roster import load_roster

YEAR = 2026
FIXED = datetime(2026, 11, 1, tzinfo=timezone.utc)


# The markers that keep a test out of the fast subset (`pytest -m fast`): pyproject.toml's ``fast_excludes``.
RUNNING: list[pytest.Item] = []  # the test being run, for the marker checks of need_soffice and need_pg


def pytest_addoption(parser):
    parser.addini("fast_excludes", "markers that keep a test out of the fast subset (-m fast)", type="args")


FRESH = "FORMKIT_FRESH_PROCESS"  # set in the interpreter that runs the tests marked fresh_process


def pytest_collection_modifyitems(config, items):
    """Every test without one of ``fast_excludes`` is marked ``fast``: `pytest -m fast` is the inner loop.
    A test marked ``fresh_process`` runs only in an interpreter of its own (tests/test_fresh.py starts it),
    never in the long-lived test process, whose size its memory limits are measured against."""
    excluded = set(config.getini("fast_excludes"))
    fresh = [i for i in items if i.get_closest_marker("fresh_process")]
    if fresh and not os.environ.get(FRESH):
        config.hook.pytest_deselected(items=fresh)
        items[:] = [i for i in items if not i.get_closest_marker("fresh_process")]
    for item in items:
        if not excluded & {m.name for m in item.iter_markers()}:
            item.add_marker(pytest.mark.fast)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    RUNNING[:] = [item]


SLOW_SECONDS = 2.5  # a fast test that takes longer is listed at the end of the run: mark it slow, or speed it up
SLOW_FAST: list[tuple[float, str]] = []


def pytest_runtest_logreport(report):
    if report.when == "call" and "fast" in report.keywords and report.duration > SLOW_SECONDS:
        SLOW_FAST.append((report.duration, report.nodeid))


def pytest_terminal_summary(terminalreporter):
    if SLOW_FAST:
        terminalreporter.section(f"fast tests over {SLOW_SECONDS} s (mark them @pytest.mark.slow or speed them up)")
        for seconds, nodeid in sorted(SLOW_FAST, reverse=True):
            terminalreporter.write_line(f"{seconds:6.2f}s {nodeid}")


def need_marker(name: str, what: str) -> None:
    """A test that needs ``what`` carries the marker ``name``, so the fast subset never runs it."""
    if RUNNING and RUNNING[0].get_closest_marker(name) is None:
        pytest.fail(f"{RUNNING[0].nodeid} needs {what}: mark it @pytest.mark.{name}")


def need_soffice() -> str:
    """LibreOffice is required in CI (which installs it); elsewhere its tests are skipped."""
    need_marker("libreoffice", "LibreOffice")
    exe = shutil.which("soffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing in CI: .ci/run must install it")
        pytest.skip("LibreOffice not installed")
    return exe


@pytest.fixture(autouse=True)
def own_default_store(tmp_path_factory, monkeypatch):
    """A command run without --db opens FORMKIT_DB: here a store of the test's own, never formkit.db in the
    checkout nor a store the person running the tests has configured (running the tests changes no clone)."""
    monkeypatch.setenv("FORMKIT_DB", f"sqlite:///{tmp_path_factory.mktemp('default-store')}/formkit.db")
    monkeypatch.delenv("FORMKIT_ORIGINALS", raising=False)
    monkeypatch.delenv("FORMKIT_DB_OWNER", raising=False)


@pytest.fixture(scope="session")
def sample_roster():
    return load_roster(samples_dir() / "roster", YEAR)


@pytest.fixture(scope="session")
def issued(sample_roster, tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("issued")
    results = issue_forms(sample_roster, YEAR, out, created=FIXED)
    return out, results


def doc_for(issued, form: str, recipient_id: str) -> Path:
    out, results = issued
    row = next(r for r in results if r.form == form and r.recipient_id == recipient_id)
    return out / row.file


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A fresh, empty store database: a SQLite file, or a new PostgreSQL database (CI always has one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/formkit.db"
        return
    yield from pg_database(need_pg())


def need_pg() -> str:
    """The PostgreSQL URL the tests connect as (the application role of scripts/setup-postgres)."""
    need_marker("postgres", "PostgreSQL")
    base = os.environ.get("FORMKIT_TEST_PG")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("FORMKIT_TEST_PG is not set in CI: scripts/setup-postgres must provide PostgreSQL")
        pytest.skip("no PostgreSQL (set FORMKIT_TEST_PG)")
    return base


def pg_database(base: str):
    """A new PostgreSQL database created by the role of ``base``: yields its URL, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    name = "fk_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield base.rsplit("/", 1)[0] + "/" + name
    try:
        drop_database(admin, name)
    finally:
        admin.dispose()


def drop_database(admin, name: str, attempts: int = 10) -> None:
    """Drop a test database. FORCE ends the tests' own connections, but not a process of another role the
    server started on it (autovacuum after a test's inserts runs as the superuser), which makes the drop fail
    until that process is done: try again for a few seconds, then leave the database to the next cleanup."""
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            return
        except (OperationalError, ProgrammingError):
            if attempt == attempts - 1:
                print(f"test database {name} left behind: another role's process is still on it", file=sys.stderr)
                return
            time.sleep(0.5)


@pytest.fixture
def pg_roles():
    """(application URL, owner URL) of a new PostgreSQL database owned by the owner role, as
    scripts/setup-postgres sets them up (``FORMKIT_TEST_PG_OWNER``, else its formkit_owner convention)."""
    from sqlalchemy.engine import make_url

    app = need_pg()
    owner = os.environ.get("FORMKIT_TEST_PG_OWNER") or make_url(app).set(
        username="formkit_owner", password="formkit_owner").render_as_string(hide_password=False)
    for url in pg_database(owner):
        yield make_url(app).set(database=make_url(url).database).render_as_string(hide_password=False), url


@pytest.fixture
def store(store_url, tmp_path):
    from formkit.store import Store

    s = Store(store_url, tmp_path / "originals")
    yield s
    s.close()


@pytest.fixture(scope="session")
def filled_forms(issued, sample_roster, tmp_path_factory) -> dict[str, Path]:
    """One filled form per sample recipient, typed in as a person would: recipient id → path."""
    from formkit.simulate import fill_recipients

    out, results = issued
    files = {(r.form, r.recipient_id): out / r.file for r in results}
    return fill_recipients(sample_roster, YEAR, files, tmp_path_factory.mktemp("filled"))


@pytest.fixture
def own_grades(tmp_path, monkeypatch):
    """A secretariat's own copy of forms/ (FORMKIT_FORMS) whose cycle.yaml renames the grades and adds one."""
    import shutil

    from formkit.resources import forms_dir

    folder = tmp_path / "own-forms"
    shutil.copytree(forms_dir(), folder)
    cycle = folder / "cycle.yaml"
    text = cycle.read_text(encoding="utf-8")
    text = text.replace("grades: [好, 较好, 一般]", "grades: [优秀, 良好, 合格, 较差]")
    text = text.replace("    好: [优秀, 优]\n    较好: [比较好, 良好, 良]\n    一般: [合格, 中等, 中]\n", "    优秀: [优]\n")
    text = text.replace("points: [100, 80, 60]", "points: [100, 85, 70, 50]").replace("thresholds: [88, 75]",
                                                                                        "thresholds: [90, 80, 65]")
    cycle.write_text(text, encoding="utf-8")
    monkeypatch.setenv("FORMKIT_FORMS", str(folder))
    return folder


@pytest.fixture(scope="session")
def once(tmp_path_factory):
    """``once(name, make)``: ``make(folder)`` done once per session, in a folder of its own, and again for a test
    with its own forms (``FORMKIT_FORMS``, as ``own_grades`` sets it). For what each test would otherwise
    redo the same way (issuing and filling forms); what the test's own store receives stays per test."""
    made: dict[tuple[str, str], object] = {}

    def get(name: str, make):
        key = (name, os.environ.get("FORMKIT_FORMS", ""))
        if key not in made:
            made[key] = make(tmp_path_factory.mktemp(name))
        return made[key]

    return get


def returned_forms(roster, folder: Path) -> tuple[list, list[Path]]:
    """The sample forms issued and returned, with every flag case: a unit declaring a violation, a county
    reporting large-scale return to poverty, funds that differ, a unit and a county that did not return.
    Returns (issue results, the files returned)."""
    from formkit.simulate import fill_recipients

    results = issue_forms(roster, YEAR, folder / "issued", created=FIXED)
    files = {(r.form, r.recipient_id): folder / "issued" / r.file for r in results}
    edits = {"U002": {"violations": "是", "violations_detail": "一名挂职干部违反工作纪律，已严肃处理。"},
             "U007-522731": {"return_to_poverty": "是"},
             "U010-522732": {"funds_invested_arrived": "1"}}
    filled = fill_recipients(roster, YEAR, files, folder / "returned", edits)
    late = {"U014", "U009-610732"}
    return results, [p for rid, p in filled.items() if rid not in late]


def stock(store, results: list, returned: list[Path]):
    """``store`` with the forms of ``results`` recorded as issued and the ``returned`` files ingested."""
    from formkit.intake.ingest import ingest
    from formkit.issue.batch import issued_rows

    store.record_issued(issued_rows(results, YEAR))
    list(ingest(returned, store, YEAR))
    return store


@pytest.fixture
def stocked(store_url, sample_roster, once, tmp_path):
    """A store holding ``returned_forms``, issued then ingested: on SQLite a copy (database and originals) of the
    one made once a session, on PostgreSQL made in the test's own database."""
    from formkit.store import Store

    results, returned = once("returned", lambda folder: returned_forms(sample_roster, folder))
    if store_url.startswith("sqlite"):
        def make(folder: Path) -> Path:
            with Store(f"sqlite:///{folder}/formkit.db", folder / "originals") as made:
                stock(made, results, returned)
            return folder

        made = once("stocked", make)
        assert store_url == f"sqlite:///{tmp_path}/formkit.db"
        shutil.copyfile(made / "formkit.db", tmp_path / "formkit.db")
        shutil.copytree(made / "originals", tmp_path / "originals")
    store = Store(store_url, tmp_path / "originals")
    if not store_url.startswith("sqlite"):
        stock(store, results, returned)
    yield store
    store.close()


@pytest.fixture(scope="session")
def cf(filled_forms) -> bytes:
    """The bytes of 太行县's filled county feedback (U001-130731)."""
    return filled_forms["U001-130731"].read_bytes()


@pytest.fixture(scope="session")
def sa(filled_forms) -> bytes:
    """The bytes of U001's filled self-assessment."""
    return filled_forms["U001"].read_bytes()
