"""Regular scheduling: the quarterly ledger (a spreadsheet form) and the half-year report (a Word form) come
back exactly, also after LibreOffice; four quarters of ledgers give the progress table; the year-end
self-assessment proposes the ledger's figures and warns where the returned figure differs."""

import copy
import json
from pathlib import Path

import pytest
from conftest import FIXED, YEAR, need_soffice

from formkit.convert import convert
from formkit.evaluation.ledgers import suggestions
from formkit.fill import fill_form
from formkit.forms import load_form
from formkit.forms.contract import form_contract
from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest
from formkit.issue import issue_forms
from formkit.issue.batch import issued_rows
from formkit.issue.context import prefilled_values, recipients
from formkit.pipeline import read_file
from formkit.progress.report import progress, write_progress_xlsx
from formkit.simulate import as_typed, fill_ledgers, valid_values


def issue_ledgers(roster, quarter: int, folder: Path, store=None) -> dict[str, Path]:
    results = issue_forms(roster, YEAR, folder, forms=["quarterly-ledger"], period=quarter, created=FIXED)
    if store is not None:
        store.record_issued(issued_rows(results, YEAR))
    assert all(not r.error_code for r in results)
    return {r.recipient_id: folder / r.file for r in results}


def test_a_ledger_is_a_spreadsheet_that_comes_back_exactly(sample_roster, tmp_path):
    files = issue_ledgers(sample_roster, 2, tmp_path / "issued")
    assert len(files) == len(sample_roster.units) and all(p.suffix == ".xlsx" for p in files.values())
    assert files["U012-Q2"].name == "U012-Q2_中国能源建设投资集团有限公司_2026年第2季度台账.xlsx"
    done = fill_ledgers(sample_roster, YEAR, 2, files, tmp_path / "filled")
    for rid in ("U012-Q2", "U001-Q2"):
        path, values = done[rid]
        result = read_file(path)
        assert result.form == "quarterly-ledger" and result.recipient["id"] == rid and result.source["format"] == "xlsx"
        assert [f.message for f in result.findings] == []
        for key in ("ledger", "targets", "projects", "fill_date", "contact_person", "quarter", "unit_name"):
            assert result.values[key] == values[key], key


@pytest.mark.libreoffice
def test_a_ledger_after_libreoffice_and_as_old_xls(sample_roster, store, tmp_path):
    need_soffice()
    files = issue_ledgers(sample_roster, 1, tmp_path / "issued", store)
    path, values = fill_ledgers(sample_roster, YEAR, 1, files, tmp_path / "filled")["U012-Q1"]
    resaved = convert(path, tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    again = read_file(resaved)
    assert "LibreOffice" in again.source["producer"] and again.recipient["id"] == "U012-Q1"
    assert again.values == read_file(path).values and again.values["ledger"] == values["ledger"]
    old = convert(path, tmp_path / "xls", "xls:MS Excel 97")  # a clerk's Excel 2003 copy
    [outcome] = list(ingest([old], store, YEAR))
    assert outcome.outcome == "accepted" and outcome.form == "quarterly-ledger"
    stored = store.current(YEAR)[("quarterly-ledger", "U012-Q1")]
    assert stored.converted_by == "LibreOffice" and stored.values["targets"] == values["targets"]


def half_year_values(roster, tmp_path, rid="U007-H1", suggested=None):
    form = load_form("half-year-report", YEAR)
    results = issue_forms(roster, YEAR, tmp_path / "hy", forms=["half-year-report"], period=1, created=FIXED,
                          suggest=(lambda _f: suggested) if suggested else None)
    issued = next(tmp_path / "hy" / r.file for r in results if r.recipient_id == rid)
    recipient = next(r for r in recipients(form, roster, period=1) if r.id == rid)
    given = prefilled_values(form, YEAR, recipient)
    contract = form_contract(form)
    return form, issued, contract, given, valid_values(contract, given, YEAR, seed=5)


@pytest.mark.libreoffice
def test_the_half_year_report_comes_back_exactly_also_after_libreoffice(sample_roster, tmp_path):
    form, issued, contract, given, values = half_year_values(sample_roster, tmp_path)
    assert issued.name == "U007-H1_北方理工大学_2026年上半年半年工作情况报告.docx"
    target = tmp_path / "filled.docx"
    fill_form(issued, target, form, as_typed(contract, values, given))
    result = read_file(target)
    assert result.form == "half-year-report" and result.recipient["id"] == "U007-H1"
    assert result.values == values and [f.message for f in result.findings if f.severity == "error"] == []
    need_soffice()
    resaved = convert(target, tmp_path / "lo", "docx:MS Word 2007 XML")
    assert read_file(resaved).values == values


def filled_ledgers(roster, quarter: int, folder: Path) -> tuple[list, dict]:
    """The ledgers of ``quarter`` issued and filled: (issue results, recipient id → (file, typed values))."""
    results = issue_forms(roster, YEAR, folder / "issued", forms=["quarterly-ledger"], period=quarter, created=FIXED)
    files = {r.recipient_id: folder / "issued" / r.file for r in results}
    return results, fill_ledgers(roster, YEAR, quarter, files, folder / "filled")


@pytest.fixture
def four_quarters(store, sample_roster, once):
    """Ledgers of Q1–Q4 for the samples (made once a session), ingested; U003 skips Q3. Returns (recipient id →
    typed values)."""
    typed = {}
    for quarter in range(1, 5):
        results, done = once(f"ledgers-q{quarter}", lambda folder, q=quarter: filled_ledgers(sample_roster, q, folder))
        store.record_issued(issued_rows(results, YEAR))
        late = {"U003-Q3"} if quarter == 3 else set()
        list(ingest([p for rid, (p, _v) in done.items() if rid not in late], store, YEAR))
        typed.update({rid: copy.deepcopy(v) for rid, (_p, v) in done.items() if rid not in late})
    return typed


# the ledger columns each progress figure adds up, written out here (not taken from formkit.forms.measures)
COLUMNS = {"invested": ("invested_free", "invested_repayable"), "brought": ("brought_free", "brought_repayable"),
           "projects": ("projects",), "cadres": ("cadres_in_post",),
           "trained": ("trained_officials", "trained_leaders", "trained_technicians"),
           "consumer": ("consumer_bought", "consumer_sold")}


def measure(values: dict, name: str) -> float:
    return round(sum(float(row[c]) for row in values["ledger"] for c in COLUMNS[name]), 2)


def test_four_quarters_give_the_progress_table(four_quarters, store, sample_roster, tmp_path):
    report = progress(store, cycle(YEAR))
    assert report.quarter == 4 and len(report.units) == len(sample_roster.units)
    for u in report.units:
        for q in range(1, 5):
            rid = f"{u.unit_id}-Q{q}"
            if rid not in four_quarters:
                assert q not in u.quarters and u.reported[q] is False
                continue
            for name in COLUMNS:
                assert u.quarters[q][name] == pytest.approx(measure(four_quarters[rid], name), abs=0.01)
        assert u.change(4, "invested") == pytest.approx(
            measure(four_quarters[f"{u.unit_id}-Q4"], "invested") - measure(four_quarters[f"{u.unit_id}-Q3"], "invested"),
            abs=0.01) if u.unit_id != "U003" else u.change(4, "invested") is None
        targets = four_quarters[f"{u.unit_id}-Q4"]["targets"]
        # each indicator's rate capped at 100 % (the working group's rule), then the mean
        assert u.completion[4] == pytest.approx(sum(min(t["achieved"] / t["committed"], 1) for t in targets)
                                                / len(targets))
    third = progress(store, cycle(YEAR), quarter=3)
    assert [u.unit_id for u in third.missing(3)] == ["U003"]
    assert third.reporting("中央和国家机关", 3) == (3, 4)
    carried = sum(measure(four_quarters[f"{u.id}-Q{2 if u.id == 'U003' else 3}"], "invested")
                  for u in sample_roster.units if u.category == "中央和国家机关")
    assert third.category_total("中央和国家机关", 3, "invested") == pytest.approx(carried, abs=0.01)  # U003: its Q2
    total = sum(measure(four_quarters[f"{u.id}-Q2"], "brought") for u in sample_roster.units if u.category == "中央企业")
    assert report.category_total("中央企业", 2, "brought") == pytest.approx(total, abs=0.01)
    path = write_progress_xlsx(report, tmp_path / "progress.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(path)["单位进度"]
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "U012")
    assert row[3] == pytest.approx(measure(four_quarters["U012-Q4"], "invested"))
    assert row[-1] == "已报送"


def test_the_progress_command_writes_the_table_and_the_chart(four_quarters, store, tmp_path):
    from click.testing import CliRunner

    from formkit.cli import main

    result = CliRunner().invoke(main, ["progress", "--year", str(YEAR), "--quarter", "3", "--out", str(tmp_path / "p"),
                                       "--db", store.url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["quarter"] == 3 and data["missing"] == ["U003"]
    png = Path(data["png"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert Path(data["xlsx"]).is_file()


def test_year_end_self_assessment_proposes_the_ledger_and_warns_on_differences(four_quarters, store, sample_roster,
                                                                              tmp_path):
    form = load_form("self-assessment", YEAR)
    results = issue_forms(sample_roster, YEAR, tmp_path / "ye", forms=["self-assessment"], created=FIXED,
                          suggest=lambda f: suggestions(store, YEAR, f))
    issued = next(tmp_path / "ye" / r.file for r in results if r.recipient_id == "U012")
    q4 = four_quarters["U012-Q4"]
    proposed = read_file(issued)  # what the unit finds in the form it receives
    for row, ledger_row in zip(proposed.values["funds"], q4["ledger"], strict=True):
        assert row["county"] == ledger_row["county"]
        for key in ("invested_free", "invested_repayable", "brought_free", "brought_repayable"):
            assert row[key] == pytest.approx(ledger_row[key])
    assert proposed.values["trained_officials"] == sum(r["trained_officials"] for r in q4["ledger"])
    assert proposed.values["consumer_sold"] == pytest.approx(sum(r["consumer_sold"] for r in q4["ledger"]), abs=0.01)
    assert not [f for f in proposed.findings if f.code == "rule.differs-from-ledger"]
    # the unit corrects one county's figure and the training count; everything else confirmed as proposed
    recipient = next(r for r in recipients(form, sample_roster) if r.id == "U012")
    given = prefilled_values(form, YEAR, recipient)
    contract = form_contract(form)
    values = valid_values(contract, given, YEAR, seed=2)
    for row, ledger_row in zip(values["funds"], q4["ledger"], strict=True):
        row.update({k: ledger_row[k] for k in ("invested_free", "invested_repayable", "brought_free", "brought_repayable")})
    for key in ("trained_officials", "trained_leaders", "trained_technicians", "consumer_bought", "consumer_sold"):
        values[key] = round(sum(r[key] for r in q4["ledger"]), 2)
    values["funds"][1]["brought_free"] = round(values["funds"][1]["brought_free"] + 100, 2)
    values["trained_officials"] += 5
    target = tmp_path / "returned.docx"
    typed = as_typed(contract, values, given)
    fill_form(issued, target, form, typed)
    result = read_file(target)
    warnings = [f for f in result.findings if f.code == "rule.differs-from-ledger"]
    assert len(warnings) == 2
    county = q4["ledger"][1]["county"]
    assert f"{county}：填报" in warnings[0].message + warnings[1].message
    assert all("2026年第4季度台账" in w.message and w.severity == "warning" for w in warnings)
    assert {w.field for w in warnings} == {"funds[1].brought_free", "trained_officials"}


def test_the_half_year_report_proposes_the_second_quarters_ledger(four_quarters, store, sample_roster, tmp_path):
    form = load_form("half-year-report", YEAR)
    proposed = suggestions(store, YEAR, form, up_to=2)
    q2 = four_quarters["U007-Q2"]
    assert proposed["U007"]["source"] == "2026年第2季度台账"
    _form, issued, *_ = half_year_values(sample_roster, tmp_path, suggested=proposed)
    read = read_file(issued)
    assert [r["projects"] for r in read.values["figures"]] == [r["projects"] for r in q2["ledger"]]
    assert read.values["trained_leaders"] == sum(r["trained_leaders"] for r in q2["ledger"])


def test_hostile_workbooks_are_refused_with_a_code(sample_roster, tmp_path):
    import zipfile

    from formkit.errors import FormkitError
    from formkit.pipeline import read_document

    path = issue_ledgers(sample_roster, 1, tmp_path / "issued")["U001-Q1"]
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}

    def rebuilt(change) -> bytes:
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in {**entries, **change}.items():
                zf.writestr(name, data)
        return buf.getvalue()

    laughs = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    many = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
            + b"".join(b'<c r="A%d"><v>1</v></c>' % i for i in range(1, 200_002)) + b"</row></sheetData></worksheet>")
    for change, code in (({"xl/worksheets/sheet1.xml": laughs}, "docx.dtd-forbidden"),
                         ({"xl/worksheets/sheet2.xml": many}, "xlsx.too-many-cells")):
        with pytest.raises(FormkitError) as err:
            read_document(rebuilt(change), "hostile.xlsx")
        assert err.value.code == code


def test_the_issue_command_asks_for_the_period_of_a_periodic_form(tmp_path):
    from click.testing import CliRunner

    from formkit.cli import main
    from formkit.resources import samples_dir

    args = ["issue", "--roster", str(samples_dir() / "roster"), "--year", str(YEAR), "--out", str(tmp_path / "o"),
            "--db", f"sqlite:///{tmp_path / 'f.db'}", "--form", "quarterly-ledger"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and "issue.period-needed" in refused.output and "--quarter" in refused.output
    issued = CliRunner().invoke(main, [*args, "--quarter", "3"])
    assert issued.exit_code == 0, issued.output
    assert len(list((tmp_path / "o" / "quarterly-ledger").glob("U*-Q3_*.xlsx"))) == 14
