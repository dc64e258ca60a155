"""Every command refuses a bad argument with a coded Chinese message and exit status 2 — never a traceback,
never click's English, never a file or folder made on the way; commands on an empty store say so; the demo
deletes only a folder it marked as its own; the progress chart finds the CJK fonts whatever matplotlib
cached before they were installed."""

import json
import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from formkit.cli import main
from formkit.errors import FormkitError
from formkit.resources import samples_dir

ROSTER = samples_dir() / "roster"
NEXT_YEAR = date.today().year + 1


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result, code: str) -> None:
    """Exit status 2 with the code, in Chinese, and no traceback or click usage text."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert f"[{code}]" in result.output or f'"code": "{code}"' in result.output, result.output
    assert "Traceback" not in result.output and "Usage:" not in result.output and "Error:" not in result.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- --year ---------------------------------------------------------------------------------------

YEAR_COMMANDS = [
    ("fields", "self-assessment"),
    ("roster", ROSTER),
    ("issue", "--roster", ROSTER, "--out", "{tmp}/out"),
    ("read", "{tmp}/x.docx"),
    ("ingest", "{tmp}/x.docx", "--db", "sqlite:///{tmp}/s.db"),
    ("status", "--db", "sqlite:///{tmp}/s.db"),
    ("letters", "--out", "{tmp}/out", "--db", "sqlite:///{tmp}/s.db"),
    ("progress", "--out", "{tmp}/out", "--db", "sqlite:///{tmp}/s.db"),
    ("dossier", "--out", "{tmp}/out/d.docx", "--db", "sqlite:///{tmp}/s.db"),
    ("notice", "issue-forms", "--out", "{tmp}/out/n.docx"),
    ("demo", "--out", "{tmp}/out"),
    ("review", "tally", "--db", "sqlite:///{tmp}/s.db"),
    ("review", "sheets", "--roster", ROSTER, "--reviewers", 2, "--out", "{tmp}/out", "--db", "sqlite:///{tmp}/s.db"),
]


@pytest.mark.parametrize("year", ["1999", "2020", str(NEXT_YEAR + 1), "99999", "abc", "-2026"])
@pytest.mark.parametrize("command", YEAR_COMMANDS, ids=lambda c: " ".join(map(str, c[:2])))
def test_a_year_outside_the_measures_years_is_refused_before_anything_is_written(tmp_path, command, year):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    refused(run(*args, "--year", year), "cli.bad-year")
    assert list(tmp_path.iterdir()) == []  # no store, no output folder


@pytest.mark.parametrize("year", [2021, NEXT_YEAR])
def test_the_first_year_and_next_year_are_accepted(year):
    result = run("fields", "self-assessment", "--year", year)
    assert result.exit_code == 0, result.output


def test_a_bad_year_in_json_mode_is_a_json_error():
    result = run("fields", "self-assessment", "--year", 1999, "--json")
    refused(result, "cli.bad-year")
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "cli.bad-year" and "2021" in error["message"] and error["where"] == {"option": "--year"}


# -- output folders and files ---------------------------------------------------------------------

OUT_FOLDER_COMMANDS = [
    ("issue", "--roster", ROSTER, "--year", 2026, "--db", "sqlite:///{tmp}/s.db", "--out"),
    ("demo", "--out"),
    ("letters", "--db", "sqlite:///{tmp}/s.db", "--out"),
    ("progress", "--year", 2026, "--db", "sqlite:///{tmp}/s.db", "--out"),
    ("templates", "--out"),
    ("review", "sheets", "--roster", ROSTER, "--year", 2026, "--reviewers", 2, "--db", "sqlite:///{tmp}/s.db", "--out"),
    ("dossier", "--year", 2026, "--per-category", "--db", "sqlite:///{tmp}/s.db", "--out"),
]


@pytest.mark.parametrize("below", [False, True], ids=["the file", "a folder inside the file"])
@pytest.mark.parametrize("command", OUT_FOLDER_COMMANDS, ids=lambda c: " ".join(map(str, c[:2])))
def test_an_existing_file_given_as_output_folder_is_refused_and_kept(tmp_path, command, below):
    existing = tmp_path / "report.txt"
    existing.write_text("我的文件", encoding="utf-8")
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    refused(run(*args, existing / "sub" if below else existing), "cli.out-not-folder")
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]  # no store made either
    assert existing.read_text(encoding="utf-8") == "我的文件"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no folder can be made")
def test_an_output_place_the_system_refuses_is_a_coded_error():
    result = run("templates", "--out", "/proc/formkit-test")
    refused(result, "cli.file-error")
    assert "/proc/formkit-test" in result.output


@pytest.mark.parametrize("command", [
    ("notice", "issue-forms", "--year", 2026, "--out"),
    ("status", "--db", "sqlite:///{tmp}/s.db", "--missing-xlsx"),
    ("review", "tally", "--year", 2026, "--db", "sqlite:///{tmp}/s.db", "--xlsx"),
    ("review", "inputs", "--year", 2026, "--db", "sqlite:///{tmp}/s.db", "--out"),
    ("dossier", "--year", 2026, "--db", "sqlite:///{tmp}/s.db", "--out"),
], ids=lambda c: " ".join(map(str, c[:2])))
def test_an_existing_folder_given_as_output_file_is_refused(tmp_path, command):
    folder = tmp_path / "folder"
    folder.mkdir()
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    refused(run(*args, folder), "cli.out-is-folder")
    assert [p.name for p in tmp_path.iterdir()] == ["folder"] and not any(folder.iterdir())


# -- the store ------------------------------------------------------------------------------------

READ_ONLY = [
    ("status",),
    ("letters", "--out", "{tmp}/out"),
    ("verify",),
    ("progress", "--year", 2026, "--out", "{tmp}/out"),
    ("dossier", "--year", 2026, "--out", "{tmp}/out/d.docx"),
    ("notice", "progress", "--year", 2026, "--out", "{tmp}/out/n.docx"),
    ("review", "tally", "--year", 2026),
    ("review", "rate", "--year", 2026),
    ("review", "inputs", "--year", 2026, "--out", "{tmp}/out/i.xlsx"),
    ("review", "override", "--year", 2026, "--unit", "U001", "--grade", "好", "--reason", "理由"),
]


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: " ".join(map(str, c[:2])))
def test_a_mistyped_store_path_is_refused_and_creates_nothing(tmp_path, command):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    refused(run(*args, "--db", f"sqlite:///{tmp_path}/no/such/folder/formkit.db"), "store.not-found")
    assert list(tmp_path.iterdir()) == []


def test_status_on_a_store_path_that_does_not_exist_makes_no_folder():
    assert not Path("/nonexistent").exists()
    refused(run("status", "--db", "sqlite:////nonexistent/dir/x.db"), "store.not-found")
    assert not Path("/nonexistent").exists()


@pytest.mark.parametrize("url, code", [("notaurl", "store.bad-url"),
                                       ("postgresql+psycopg://formkit:secret@127.0.0.1:1/formkit", "store.unavailable")])
@pytest.mark.parametrize("command", [("status",), ("ingest", "{tmp}"), ("issue", "--roster", ROSTER, "--year", 2026, "--out",
                                                                    "{tmp}/out")], ids=["status", "ingest", "issue"])
def test_a_malformed_or_unreachable_store_is_refused(tmp_path, command, url, code):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    result = run(*args, "--db", url)
    refused(result, code)
    assert "secret" not in result.output  # the password is never shown
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def empty_store(tmp_path):
    from formkit.store import Store

    url = f"sqlite:///{tmp_path}/empty.db"
    Store(url).close()
    return url


@pytest.fixture
def open_stores(monkeypatch):
    """The stores opened and not (yet) closed: empty after a command, whichever way it ended."""
    from formkit.store import Store

    held, init, close = [], Store.__init__, Store.close

    def opened(self, *args, **kwargs):
        init(self, *args, **kwargs)
        held.append(self)

    def closed(self):
        held[:] = [s for s in held if s is not self]
        close(self)

    monkeypatch.setattr(Store, "__init__", opened)
    monkeypatch.setattr(Store, "close", closed)
    return held


def test_status_and_letters_on_an_empty_store_say_so(empty_store, tmp_path, open_stores):
    for args in (("status", "--missing-xlsx", tmp_path / "催报名单.xlsx"), ("letters", "--out", tmp_path / "letters")):
        result = run(*args, "--db", empty_store)
        assert result.exit_code == 0, result.output
        assert "没有下发或报送记录" in result.output and "formkit issue" in result.output
    assert not (tmp_path / "letters").exists() and not (tmp_path / "催报名单.xlsx").exists()
    assert open_stores == []


@pytest.mark.parametrize("command", [
    ("progress", "--year", 2026, "--out", "{tmp}/out"),
    ("dossier", "--year", 2026, "--out", "{tmp}/out/d.docx"),
    ("notice", "progress", "--year", 2026, "--out", "{tmp}/out/n.docx"),
    ("review", "tally", "--year", 2026, "--xlsx", "{tmp}/out/t.xlsx"),
    ("review", "rate", "--year", 2026),
    ("review", "inputs", "--year", 2026, "--out", "{tmp}/out/i.xlsx"),
], ids=lambda c: " ".join(map(str, c[:2])))
@pytest.mark.parametrize("via", ["--db", "FORMKIT_DB"])
def test_documents_from_an_empty_store_are_refused_plainly(empty_store, tmp_path, command, via, open_stores):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in command]
    if via == "--db":
        result = run(*args, "--db", empty_store)
    else:
        result = CliRunner().invoke(main, args, env={"FORMKIT_DB": empty_store})
    refused(result, "cli.empty-store")
    assert "2026年度" in result.output
    assert not (tmp_path / "out").exists()
    assert open_stores == []  # the refusal closed the store it opened


def test_a_refused_override_closes_the_store(empty_store, open_stores):
    refused(run("review", "override", "--year", 2026, "--unit", "U001", "--grade", "最好", "--reason", "理由",
                "--db", empty_store), "review.unknown-grade")
    assert open_stores == []


# -- periods --------------------------------------------------------------------------------------

@pytest.mark.parametrize("form, option, code", [
    ("self-assessment", ("--quarter", 2), "issue.no-period"),
    ("county-feedback", ("--half", 1), "issue.no-period"),
    ("quarterly-ledger", ("--half", 1), "issue.period-needed"),
    ("half-year-report", ("--quarter", 3), "issue.period-needed"),
    ("quarterly-ledger", (), "issue.period-needed"),
    ("quarterly-ledger", ("--quarter", 1, "--half", 1), "issue.two-periods"),
])
def test_a_period_option_must_fit_the_form(tmp_path, form, option, code):
    result = run("issue", "--roster", ROSTER, "--year", 2026, "--out", tmp_path / "out", "--form", form, *option,
                 "--db", f"sqlite:///{tmp_path}/s.db")
    refused(result, code)
    assert not (tmp_path / "out").exists()


def test_the_library_refuses_a_period_out_of_range_as_the_command_line_does():
    from formkit.issue.periods import settle_batch

    with pytest.raises(FormkitError) as err:
        settle_batch(2026, ["quarterly-ledger"], quarter=5)
    assert err.value.code == "issue.period-needed" and "--quarter（1-4）" in err.value.message
    assert settle_batch(2026, (), half=1).forms == ["half-year-report"]
    assert settle_batch(2026, (), half=1).ledger_quarter == 2  # the first half-year: the second quarter's ledger
    assert settle_batch(2026, ["self-assessment"]).ledger_quarter == 4


def test_a_quarter_alone_issues_only_the_quarterly_ledgers(tmp_path):
    result = run("issue", "--roster", ROSTER, "--year", 2026, "--out", tmp_path / "out", "--quarter", 2,
                 "--db", f"sqlite:///{tmp_path}/s.db", "--json")
    assert result.exit_code == 0, result.output
    assert {d["form"] for d in json.loads(result.stdout)["documents"]} == {"quarterly-ledger"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["links", "manifest.csv", "quarterly-ledger"]


# -- click's own usage errors, the formkit way ----------------------------------------------------

@pytest.mark.parametrize("args, code", [
    (("status", "--bogus"), "cli.unknown-option"),
    (("issue", "--roster", ROSTER, "--out", "x"), "cli.missing-option"),
    (("issue", "--roster", ROSTER, "--year", 2026, "--out", "x", "--quarter", 5), "cli.bad-value"),
    (("notice", "no-such-kind", "--year", 2026, "--out", "x.docx"), "cli.bad-value"),
    (("check-format", "/no/such/file.docx"), "cli.bad-value"),
    (("no-such-command",), "cli.unknown-command"),
    (("review", "no-such-command"), "cli.unknown-command"),
    (("fields",), "cli.missing-option"),
    (("status", "--year"), "cli.bad-usage"),
])
def test_usage_errors_are_coded_and_chinese(args, code):
    refused(run(*args), code)


def test_a_usage_error_with_json_is_a_json_object():
    result = run("status", "--bogus", "--json")
    refused(result, "cli.unknown-option")
    assert json.loads(result.stdout)["error"]["code"] == "cli.unknown-option"


def test_help_and_version_still_exit_0():
    assert run("--help").exit_code == 0 and run("status", "--help").exit_code == 0
    assert run("--version").exit_code == 0


# -- read --json is standard JSON -----------------------------------------------------------------

def _strict(text: str):
    def no_constant(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return [json.loads(line, parse_constant=no_constant) for line in text.splitlines() if line.strip()]


def test_read_json_is_standard_json(issued, tmp_path):
    from conftest import doc_for

    result = run("read", doc_for(issued, "self-assessment", "U001"), tmp_path / "missing.docx", "--json")
    assert result.exit_code == 2  # the missing file; the form is still read
    lines = _strict(result.stdout)
    assert lines[0]["form"] == "self-assessment" and lines[1]["error"]["code"]


def test_a_value_json_cannot_hold_is_a_coded_error_and_the_batch_goes_on(monkeypatch, issued, tmp_path):
    import formkit.intake.batch as batch

    class NotFinite:
        exit_code = 0

        def as_dict(self):
            return {"values": {"amount": float("nan")}}

    real = batch.read_many

    def read_many(paths, roster=None, year=None, each=None):
        paths = list(paths)
        yield paths[0], NotFinite()  # (never given to ``each``: rendered when its turn comes)
        yield from real(paths[1:], roster, year, each=each)

    monkeypatch.setattr(batch, "read_many", read_many)
    from conftest import doc_for

    result = run("read", tmp_path / "nan.docx", doc_for(issued, "self-assessment", "U001"), "--json")
    assert result.exit_code == 2
    first, second = _strict(result.stdout)
    assert first["error"]["code"] == "cli.not-finite" and second["form"] == "self-assessment"


# -- the demo's folder ----------------------------------------------------------------------------

def test_demo_refuses_a_folder_that_is_not_empty(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "论文.docx").write_bytes(b"my thesis")
    before = snapshot(tmp_path)
    refused(run("demo", "--out", mine), "demo.not-empty")
    refused(run("demo", "--out", mine, "--fresh"), "demo.not-ours")  # not marked by a demo: never deleted
    assert snapshot(tmp_path) == before


def test_fresh_deletes_only_what_an_earlier_demo_marked(tmp_path):
    from formkit.demo import MARKER, is_demo_folder, prepare_out

    out = tmp_path / "demo"
    prepare_out(out)
    assert is_demo_folder(out) and [p.name for p in out.iterdir()] == [MARKER]
    prepare_out(out)  # only the marker there: still empty
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep", encoding="utf-8")
    (out / "formkit.db").write_bytes(b"first run's store")
    (out / "issued").mkdir()
    (out / "issued" / "a.docx").write_bytes(b"x")
    (out / "link-to-outside").symlink_to(outside, target_is_directory=True)
    with pytest.raises(Exception) as refusal:
        prepare_out(out)
    assert refusal.value.code == "demo.not-empty"
    prepare_out(out, fresh=True)
    assert [p.name for p in out.iterdir()] == [MARKER]  # the first run's store is gone: a fresh store
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "keep"  # a link is removed, not followed


def test_a_marker_that_is_a_link_or_foreign_does_not_make_a_folder_the_demos(tmp_path):
    from formkit.demo import MARKER, is_demo_folder

    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "real-marker").write_text("formkit demo: ...", encoding="utf-8")
    (folder / MARKER).symlink_to(tmp_path / "real-marker")
    assert not is_demo_folder(folder)
    (folder / MARKER).unlink()
    (folder / MARKER).write_text("something else", encoding="utf-8")
    assert not is_demo_folder(folder)


# -- the chart's CJK font -------------------------------------------------------------------------

def need_cjk_font() -> list[str]:
    """CJK font files are required in CI (scripts/setup-system installs fonts-noto-cjk); elsewhere skipped."""
    from formkit.progress.chart import cjk_font_files

    files = cjk_font_files()
    if not files:
        if os.environ.get("CI"):
            pytest.fail("no CJK font installed in CI: scripts/setup-system must install fonts-noto-cjk")
        pytest.skip("no CJK font installed")
    return files


def small_progress():
    from formkit.progress.report import Progress, UnitProgress

    unit = UnitProgress("U001", "中华全国供销合作总社", "中央和国家机关",
                        quarters={1: {"invested": 120.5, "brought": 80.0}}, reported={1: True})
    return Progress(2026, 1, [unit], ["中央和国家机关"])


@pytest.fixture
def stale_font_cache(monkeypatch):
    """matplotlib's font list as cached before the CJK fonts were installed (the quick start, then the tests)."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    files = set(need_cjk_font())
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if f.fname not in files
                                             and "CJK" not in f.name and "Fandol" not in f.name])
    manager._findfont_cached.cache_clear()
    yield manager
    manager._findfont_cached.cache_clear()


def test_the_chart_finds_cjk_fonts_installed_after_matplotlib_cached_its_list(stale_font_cache, tmp_path):
    import matplotlib

    from formkit.progress.chart import write_chart

    before = {k: matplotlib.rcParams[k] for k in ("font.family", "axes.unicode_minus")}
    path, font = write_chart(small_progress(), tmp_path / "chart.png")  # a missing glyph would warn: an error here
    assert font is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {k: matplotlib.rcParams[k] for k in before} == before  # nothing global changed


def test_without_any_cjk_font_the_chart_is_made_with_a_note(monkeypatch, stale_font_cache, tmp_path):
    from formkit.progress import chart

    monkeypatch.setattr(chart, "cjk_font_files", lambda: [])
    path, font = chart.write_chart(small_progress(), tmp_path / "chart.png")  # no warning escapes
    assert font is None and path.is_file()
    assert "中文字体" in chart.NO_CJK_FONT


CHART_IN_A_NEW_PROCESS = """
import sys
from matplotlib import font_manager
assert not any("CJK" in f.name or "Fandol" in f.name for f in font_manager.fontManager.ttflist), "cache not used"
from formkit.progress.chart import write_chart
from formkit.progress.report import Progress, UnitProgress
unit = UnitProgress("U001", "中华全国供销合作总社", "中央和国家机关", quarters={1: {"invested": 1.0}}, reported={1: True})
print(write_chart(Progress(2026, 1, [unit], ["中央和国家机关"]), sys.argv[1])[1])
"""


def test_a_font_list_cached_before_the_fonts_were_installed_does_not_matter(tmp_path):
    """The README's order on a fresh machine: the quick start's demo makes matplotlib cache its font list, then
    the test command installs the CJK fonts. A new process reading that cache still draws Chinese."""
    import subprocess
    import sys

    from matplotlib import font_manager

    files = set(need_cjk_font())
    cache = tmp_path / "mpl"
    cache.mkdir()
    listing = cache / f"fontlist-v{font_manager.FontManager.__version__}.json"
    font_manager.json_dump(font_manager.fontManager, listing)
    data = json.loads(listing.read_text(encoding="utf-8"))
    data["ttflist"] = [f for f in data["ttflist"] if f["fname"] not in files and "CJK" not in f["name"]
                       and "Fandol" not in f["name"]]
    listing.write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-W", "error", "-c", CHART_IN_A_NEW_PROCESS, str(tmp_path / "chart.png")],
                          env={**os.environ, "MPLCONFIGDIR": str(cache)}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() not in ("", "None") and (tmp_path / "chart.png").is_file()
